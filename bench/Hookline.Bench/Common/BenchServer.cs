using System.Net.Http.Json;
using System.Text.Json;
using Hookline.Bench.MultiNode;
using Hookline.Testing;

namespace Hookline.Bench.Common;

/// <summary>What every scenario needs of the Hookline server it runs: its configuration, an admin client and an app with endpoints at the bench receiver.</summary>
internal static class BenchServer
{
    public const string AdminToken = "hk_bench_admin_token_0123456789";

    /// <summary>
    /// Configuration for one node: SQLite in <paramref name="dataDirectory"/> (the default store), or
    /// the run's PostgreSQL schema with <paramref name="node"/> as the name on its connections.
    /// </summary>
    public static Dictionary<string, string> Settings(string dataDirectory, PostgresBenchDatabase? database = null, string node = "bench")
    {
        var values = new Dictionary<string, string>
        {
            ["Hookline:AdminToken"] = AdminToken,
            ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
            // Hand-overs and takeovers, which --diagnose writes out with each run.
            ["Logging:LogLevel:Hookline.Core.Delivery.DeliveryDispatcher"] = "Information",
        };
        if (database is null)
        {
            values["Hookline:DataDirectory"] = dataDirectory;
        }
        else
        {
            values["Hookline:Storage:Provider"] = "postgres";
            values["Hookline:Storage:ConnectionString"] = database.ConnectionStringFor(node);
        }
        return values;
    }

    /// <summary>An admin client for <paramref name="server"/> that does not queue requests behind a small connection limit.</summary>
    public static HttpClient AdminClient(ServerProcess server, TimeSpan timeout)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = server.BaseAddress, Timeout = timeout };
        client.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
        return client;
    }

    /// <summary>
    /// An app with <paramref name="endpoints"/> endpoints at the bench receiver, each on its own path
    /// (<c>/e0</c>, <c>/e1</c>, …, which the receiver adds to the id it records), through the API.
    /// </summary>
    public static async Task<(string AppId, List<(string Id, string Url)> Endpoints)> CreateAppAsync(HttpClient api, string name, int receiverPort, int endpoints)
    {
        using var created = await api.PostAsJsonAsync("/api/v1/app", new { name });
        created.EnsureSuccessStatusCode();
        var appId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var made = new List<(string, string)>();
        for (var e = 0; e < endpoints; e++)
        {
            var url = $"http://127.0.0.1:{receiverPort}/e{e}";
            using var endpoint = await api.PostAsJsonAsync($"/api/v1/app/{appId}/endpoint", new { url });
            endpoint.EnsureSuccessStatusCode();
            made.Add(((await endpoint.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!, url));
        }
        return (appId, made);
    }
}
