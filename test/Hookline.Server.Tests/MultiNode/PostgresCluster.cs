using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hookline.Server.Tests.Infrastructure;
using Npgsql;

namespace Hookline.Server.Tests.MultiNode;

/// <summary>
/// Several Hookline server processes on one PostgreSQL schema of their own, as users run them: each
/// node a separate OS process on its own port, sharing nothing but the database. Nodes can be killed
/// (SIGKILL), stopped gracefully (SIGTERM) and started again on the same port. Disposing kills every
/// node still running and drops the schema.
/// </summary>
internal sealed class PostgresCluster : IAsyncDisposable
{
    public const string AdminToken = "hk_test_multinode_admin_token_0123456789";

    private readonly Dictionary<string, string> _settings;
    private readonly ServerProcess?[] _nodes;
    private readonly int[] _ports;
    private readonly object _pidsLock = new();
    private readonly Dictionary<int, int> _nodeByPid = [];

    private readonly PostgresTestDatabase _database;

    private PostgresCluster(PostgresTestDatabase database, int nodes, IReadOnlyDictionary<string, string>? settings)
    {
        _database = database;
        _nodes = new ServerProcess?[nodes];
        _ports = Enumerable.Range(0, nodes).Select(_ => ServerProcess.FreePort()).ToArray();
        _settings = new Dictionary<string, string>
        {
            ["Hookline:Storage:Provider"] = "postgres",
            ["Hookline:AdminToken"] = AdminToken,
            ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
            ["Hookline:Delivery:RetrySchedule"] = "1s,1s,2s,5s",
            ["Hookline:Delivery:Timeout"] = "5s",
            // Short leases, so what a dead node held is claimed again within seconds; but longer than
            // the timeout plus time to record the outcome on a starved machine, or a live node's
            // lease runs out under it and a healthy send is repeated.
            ["Hookline:Delivery:LeaseDuration"] = "10s",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            _settings[key] = value;
        }
    }

    /// <summary>The schema's connection string (search path set), without a node's application name.</summary>
    public string ConnectionString => _database.ConnectionString;

    public int Count => _nodes.Length;

    public ServerProcess this[int node] => _nodes[node] ?? throw new InvalidOperationException($"Node {node} is not running.");

    public Uri BaseAddress(int node) => new($"http://127.0.0.1:{_ports[node]}");

    /// <summary>
    /// Creates the schema and starts <paramref name="nodes"/> nodes at the same time (so they also
    /// race for the migration lock, as nodes of a real deployment starting together do).
    /// </summary>
    public static async Task<PostgresCluster> StartAsync(int nodes, IReadOnlyDictionary<string, string>? settings = null)
    {
        PostgresFactAttribute.RequireConnectionString();
        var database = new PostgresTestDatabase();
        await database.EnsureCreatedAsync();
        var cluster = new PostgresCluster(database, nodes, settings);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, nodes).Select(cluster.StartNodeAsync));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>Starts node <paramref name="node"/> (again) on its port.</summary>
    public async Task<ServerProcess> StartNodeAsync(int node)
    {
        if (_nodes[node] is { } previous)
        {
            _nodes[node] = null;
            await previous.DisposeAsync();
        }
        var settings = new Dictionary<string, string>(_settings)
        {
            // The node's name on its connections, so pg_stat_activity tells the nodes apart.
            ["Hookline:Storage:ConnectionString"] = _database.ConnectionStringFor($"n{node}"),
        };
        var process = ServerProcess.Launch(settings, _ports[node]);
        _nodes[node] = process;
        // Known before the API answers: the node's dispatcher may deliver before that.
        lock (_pidsLock)
        {
            _nodeByPid[process.ProcessId] = node;
        }
        await process.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        return process;
    }

    /// <summary>SIGKILL: the node dies without a word.</summary>
    public Task KillAsync(int node) => this[node].KillAsync();

    /// <summary>SIGTERM: the node stops accepting, finishes what is in flight and exits.</summary>
    public Task StopAsync(int node) => this[node].StopAsync(TimeSpan.FromSeconds(30));

    /// <summary>The node a process id belonged to (any incarnation), or null.</summary>
    public int? NodeOfProcess(int pid)
    {
        lock (_pidsLock)
        {
            return _nodeByPid.TryGetValue(pid, out var node) ? node : null;
        }
    }

    public IReadOnlyList<int> ProcessIds()
    {
        lock (_pidsLock)
        {
            return [.. _nodeByPid.Keys];
        }
    }

    public HttpClient CreateClient(int node) => new(new SocketsHttpHandler { MaxConnectionsPerServer = 256, ConnectTimeout = TimeSpan.FromSeconds(5) })
    {
        BaseAddress = BaseAddress(node),
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = new("Bearer", AdminToken) },
    };

    /// <summary>Creates an application with one endpoint (through node 0) and returns the application id.</summary>
    public async Task<string> CreateAppWithEndpointAsync(string url, int? throttleRate = null)
    {
        using var client = CreateClient(0);
        using var app = await client.PostAsJsonAsync("/api/v1/app", new { name = "multi-node" });
        Assert.Equal(HttpStatusCode.Created, app.StatusCode);
        var appId = (await app.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var endpoint = await client.PostAsJsonAsync($"/api/v1/app/{appId}/endpoint", new { url, throttleRate });
        Assert.True(endpoint.StatusCode == HttpStatusCode.Created, await endpoint.Content.ReadAsStringAsync());
        // Every node caches an application's endpoint list for up to a second; the other nodes have
        // not read this one yet, so they see the endpoint on their first message.
        return appId;
    }

    /// <summary>Creates <paramref name="count"/> applications with one endpoint each at <paramref name="url"/>.</summary>
    public async Task<IReadOnlyList<string>> CreateAppsAsync(int count, string url)
    {
        var apps = new List<string>();
        for (var i = 0; i < count; i++)
        {
            apps.Add(await CreateAppWithEndpointAsync(url));
        }
        return apps;
    }

    /// <summary>
    /// Sends messages through every node to an unthrottled endpoint at the receiver's warm-up path
    /// until every node has delivered some: a node's first requests run cold code (JIT) and open
    /// new connections, which can hold several sends back and then let them go together.
    /// </summary>
    public async Task WarmUpAsync(NodeReceiver receiver)
    {
        var appId = await CreateAppWithEndpointAsync(receiver.WarmUpUrl);
        // Several endpoints: a node sends only to the endpoints it owns, and each node takes its share.
        using (var admin = CreateClient(0))
        {
            for (var i = 1; i < 2 * Count; i++)
            {
                using var endpoint = await admin.PostAsJsonAsync($"/api/v1/app/{appId}/endpoint", new { url = receiver.WarmUpUrl });
                Assert.Equal(HttpStatusCode.Created, endpoint.StatusCode);
            }
        }
        var clients = Enumerable.Range(0, Count).Select(CreateClient).ToList();
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (Enumerable.Range(0, Count).Any(node => !receiver.WarmUpArrivals.Any(a => a.Node == node)))
            {
                Assert.True(DateTime.UtcNow < deadline, $"warm-up: not every node delivered within 30 s\n{Output()}");
                await Task.WhenAll(clients.SelectMany(client => Enumerable.Range(0, 5).Select(async n =>
                {
                    using var response = await client.PostAsJsonAsync($"/api/v1/app/{appId}/msg", new { eventType = "warm.up", payload = new { n } });
                    Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                })));
                await Task.Delay(300);
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>The message ids of deliveries currently leased (claimed and not yet recorded) by any node.</summary>
    public async Task<HashSet<string>> LeasedMessageIdsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT msg_id FROM deliveries WHERE status = 3", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    /// <summary>Start times of the attempts made for an application's messages, in order (Unix ms as the nodes recorded them).</summary>
    public async Task<IReadOnlyList<(string MessageId, DateTimeOffset At)>> AttemptTimesAsync(string appId)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT msg_id, timestamp FROM attempts WHERE app_id = @app ORDER BY timestamp", connection);
        command.Parameters.AddWithValue("app", appId);
        await using var reader = await command.ExecuteReaderAsync();
        var times = new List<(string, DateTimeOffset)>();
        while (await reader.ReadAsync())
        {
            times.Add((reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))));
        }
        return times;
    }

    /// <summary>Everything the nodes printed, for failure messages.</summary>
    public string Output() => string.Join("\n", _nodes.Select((n, i) => $"--- node {i} ---\n{(n is null ? "(not running)" : Tail(n.Output, 4000))}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }
        await _database.DisposeAsync();
    }

    private static string Tail(string text, int length) => text.Length <= length ? text : "…" + text[^length..];
}
