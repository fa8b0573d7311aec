using System.Net;
using System.Text;
using Hookline.Server.Tests.Infrastructure;
using Hookline.Server.Tests.Ingest;

namespace Hookline.Server.Tests.Auth;

/// <summary>
/// Every route of the OpenAPI document, called with every kind of token — the admin token, an
/// application's portal token, another application's, a source-dashboard token, none — and checked
/// against <see cref="Access"/>, the table of who may do what. A route missing from the table fails,
/// so a new route cannot ship without saying who may call it.
/// </summary>
public sealed class RouteAccessTests(IngestFixture fixture) : IClassFixture<IngestFixture>
{
    /// <summary>Who may call a route.</summary>
    public enum Who
    {
        /// <summary>Anyone, without a token (health; ingest, which its URL's token guards).</summary>
        Public,

        /// <summary>The admin token only.</summary>
        Admin,

        /// <summary>The admin, or the token of the application in the path.</summary>
        App,

        /// <summary>The admin, or the dashboard token of the source in the path.</summary>
        Source,

        /// <summary>The admin and every application token (the event catalog), not a source's token.</summary>
        Catalog,

        /// <summary>Any valid token (logout: it ends the token that calls it).</summary>
        AnyToken,

        /// <summary>The admin, or the token of the application the task belongs to.</summary>
        Task,
    }

    public enum Caller
    {
        None,
        OtherApp,
        SourceToken,
        AppToken,
        Admin,
    }

    private static readonly Dictionary<string, Who> Access = new(StringComparer.Ordinal)
    {
        ["GET /api/v1/health"] = Who.Public,
        ["GET /api/v1/health/ping"] = Who.Public,
        ["POST /ingest/{token}"] = Who.Public,
        ["GET /api/v1/app"] = Who.Admin,
        ["POST /api/v1/app"] = Who.Admin,
        ["GET /api/v1/app/{app_id}"] = Who.App,
        ["PUT /api/v1/app/{app_id}"] = Who.Admin,
        ["PATCH /api/v1/app/{app_id}"] = Who.Admin,
        ["DELETE /api/v1/app/{app_id}"] = Who.Admin,
        ["GET /api/v1/app/{app_id}/endpoint"] = Who.App,
        ["POST /api/v1/app/{app_id}/endpoint"] = Who.App,
        ["GET /api/v1/app/{app_id}/endpoint/{endpoint_id}"] = Who.App,
        ["PUT /api/v1/app/{app_id}/endpoint/{endpoint_id}"] = Who.App,
        ["PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id}"] = Who.App,
        ["DELETE /api/v1/app/{app_id}/endpoint/{endpoint_id}"] = Who.App,
        ["GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret"] = Who.App,
        ["POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate"] = Who.App,
        ["GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers"] = Who.App,
        ["PUT /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers"] = Who.App,
        ["PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers"] = Who.App,
        ["GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/stats"] = Who.App,
        ["POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/send-example"] = Who.App,
        ["POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/recover"] = Who.App,
        ["POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/replay-missing"] = Who.App,
        ["GET /api/v1/operational-webhook/endpoint"] = Who.Admin,
        ["POST /api/v1/operational-webhook/endpoint"] = Who.Admin,
        ["GET /api/v1/operational-webhook/endpoint/{endpoint_id}"] = Who.Admin,
        ["PUT /api/v1/operational-webhook/endpoint/{endpoint_id}"] = Who.Admin,
        ["PATCH /api/v1/operational-webhook/endpoint/{endpoint_id}"] = Who.Admin,
        ["DELETE /api/v1/operational-webhook/endpoint/{endpoint_id}"] = Who.Admin,
        ["GET /api/v1/operational-webhook/endpoint/{endpoint_id}/secret"] = Who.Admin,
        ["POST /api/v1/operational-webhook/endpoint/{endpoint_id}/secret/rotate"] = Who.Admin,
        ["GET /api/v1/operational-webhook/endpoint/{endpoint_id}/headers"] = Who.Admin,
        ["PUT /api/v1/operational-webhook/endpoint/{endpoint_id}/headers"] = Who.Admin,
        ["PATCH /api/v1/operational-webhook/endpoint/{endpoint_id}/headers"] = Who.Admin,
        ["GET /api/v1/event-type"] = Who.Catalog,
        ["POST /api/v1/event-type"] = Who.Admin,
        ["GET /api/v1/event-type/{event_type_name}"] = Who.Catalog,
        ["PUT /api/v1/event-type/{event_type_name}"] = Who.Admin,
        ["PATCH /api/v1/event-type/{event_type_name}"] = Who.Admin,
        ["DELETE /api/v1/event-type/{event_type_name}"] = Who.Admin,
        ["GET /api/v1/app/{app_id}/msg"] = Who.App,
        ["POST /api/v1/app/{app_id}/msg"] = Who.Admin,
        ["POST /api/v1/app/{app_id}/msg/precheck/active"] = Who.App,
        ["GET /api/v1/app/{app_id}/msg/{msg_id}"] = Who.App,
        ["DELETE /api/v1/app/{app_id}/msg/{msg_id}/content"] = Who.Admin,
        ["GET /api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}"] = Who.App,
        ["GET /api/v1/app/{app_id}/attempt/msg/{msg_id}"] = Who.App,
        ["GET /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}"] = Who.App,
        ["DELETE /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}/content"] = Who.Admin,
        ["GET /api/v1/app/{app_id}/msg/{msg_id}/endpoint"] = Who.App,
        ["GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/msg"] = Who.App,
        ["POST /api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend"] = Who.App,
        ["POST /api/v1/auth/app-portal-access/{app_id}"] = Who.Admin,
        ["POST /api/v1/auth/logout"] = Who.AnyToken,
        ["GET /api/v1/background-task"] = Who.Admin,
        ["GET /api/v1/background-task/{task_id}"] = Who.Task,
        ["GET /api/v1/stats/overview"] = Who.Admin,
        ["GET /api/v1/app/{app_id}/listen"] = Who.App,
        ["GET /ingest/api/v1/source"] = Who.Admin,
        ["POST /ingest/api/v1/source"] = Who.Admin,
        ["GET /ingest/api/v1/source/{source_id}"] = Who.Source,
        ["PUT /ingest/api/v1/source/{source_id}"] = Who.Admin,
        ["PATCH /ingest/api/v1/source/{source_id}"] = Who.Admin,
        ["DELETE /ingest/api/v1/source/{source_id}"] = Who.Admin,
        ["POST /ingest/api/v1/source/{source_id}/token/rotate"] = Who.Admin,
        ["POST /ingest/api/v1/source/{source_id}/dashboard"] = Who.Admin,
        ["GET /ingest/api/v1/source/{source_id}/endpoint"] = Who.Source,
        ["POST /ingest/api/v1/source/{source_id}/endpoint"] = Who.Source,
        ["GET /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}"] = Who.Source,
        ["PUT /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}"] = Who.Source,
        ["PATCH /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}"] = Who.Source,
        ["DELETE /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}"] = Who.Source,
        ["GET /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/secret"] = Who.Source,
        ["POST /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/secret/rotate"] = Who.Source,
        ["GET /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/headers"] = Who.Source,
        ["PUT /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/headers"] = Who.Source,
        ["PATCH /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/headers"] = Who.Source,
        ["GET /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/stats"] = Who.Source,
        ["POST /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/recover"] = Who.Source,
        ["GET /ingest/api/v1/source/{source_id}/log"] = Who.Source,
        ["GET /ingest/api/v1/source/{source_id}/log/{log_id}"] = Who.Source,
        ["POST /ingest/api/v1/source/{source_id}/log/{log_id}/replay"] = Who.Source,
        ["GET /ingest/api/v1/source/{source_id}/listen"] = Who.Source,
    };

    private readonly HttpClient _admin = fixture.Admin;

    [Fact]
    public async Task EveryRoute_AnswersEachKindOfTokenAsTheTableSays()
    {
        var routes = await RoutesAsync(_admin);
        var missing = routes.Where(r => !Access.ContainsKey(r)).ToList();
        Assert.True(missing.Count == 0, "Routes without a row in the access table: " + string.Join(", ", missing));
        Assert.Empty(Access.Keys.Except(routes));

        // Objects the admin's calls use (and may delete), and objects of the scoped tokens' own.
        var adminObjects = await CreateObjectsAsync(fixture);
        var userObjects = await CreateObjectsAsync(fixture);
        var other = await CreateAppAsync(_admin);
        var tokens = new Dictionary<Caller, string?>
        {
            [Caller.None] = null,
            [Caller.OtherApp] = await PortalTokenAsync(other),
            [Caller.SourceToken] = (await _admin.PostJsonAsync($"/ingest/api/v1/source/{userObjects.Source}/dashboard", new { }).ExpectAsync(HttpStatusCode.OK)).Str("token"),
            [Caller.AppToken] = await PortalTokenAsync(userObjects.App),
            [Caller.Admin] = HooklineHost.AdminToken,
        };

        var wrong = new List<string>();
        foreach (var caller in tokens.Keys)
        {
            using var client = fixture.Host.CreateClient(tokens[caller]);
            client.Timeout = TimeSpan.FromSeconds(20);
            var objects = caller == Caller.Admin ? adminObjects : userObjects;
            // Deletions last, deepest first, and logging out last of all, so no call removes what a later one needs.
            foreach (var route in routes.OrderBy(r => r == "POST /api/v1/auth/logout" ? 2 : r.StartsWith("DELETE ", StringComparison.Ordinal) ? 1 : 0).ThenByDescending(r => r.Count(c => c == '/')))
            {
                var expected = Expect(Access[route], caller);
                var (method, template) = (route[..route.IndexOf(' ', StringComparison.Ordinal)], route[(route.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
                using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(objects.Fill(template), UriKind.Relative));
                if (method is "POST" or "PUT" or "PATCH")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }
                using var response = await client.SendAsync(request);
                var status = (int)response.StatusCode;
                var ok = status < 500 && expected switch
                {
                    Outcome.Any => true,
                    Outcome.Allowed => status is not (401 or 403 or 404),
                    Outcome.Denied => status is 403 or 404,
                    _ => status == 401,
                };
                if (!ok)
                {
                    wrong.Add($"{route} with {caller}: expected {expected}, got {status} {Truncate(await response.Content.ReadAsStringAsync())}");
                }
            }
        }
        Assert.True(wrong.Count == 0, $"{wrong.Count} answers differ from the access table:\n" + string.Join('\n', wrong));
    }

    private enum Outcome
    {
        Any,
        Allowed,
        Denied,
        Unauthenticated,
    }

    private static Outcome Expect(Who who, Caller caller) => (who, caller) switch
    {
        (Who.Public, _) => Outcome.Any,
        (_, Caller.None) => Outcome.Unauthenticated,
        (_, Caller.Admin) => Outcome.Allowed,
        (Who.App or Who.Task, Caller.AppToken) => Outcome.Allowed,
        (Who.Source, Caller.SourceToken) => Outcome.Allowed,
        (Who.Catalog, Caller.AppToken or Caller.OtherApp) => Outcome.Allowed,
        (Who.AnyToken, _) => Outcome.Allowed,
        _ => Outcome.Denied,
    };

    private static string Truncate(string text) => text.Length > 200 ? text[..200] + "…" : text;

    /// <summary>Every route of the OpenAPI document the server serves, as <c>METHOD /path/{template}</c> (also the API fuzz's list).</summary>
    internal static async Task<List<string>> RoutesAsync(HttpClient admin)
    {
        var document = await admin.GetAtAsync("/openapi/v1.json").ExpectAsync(HttpStatusCode.OK);
        var routes = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (operation.Name is "get" or "post" or "put" or "patch" or "delete")
                {
                    routes.Add($"{operation.Name.ToUpperInvariant()} {path.Name}");
                }
            }
        }
        return routes;
    }

    private static async Task<string> CreateAppAsync(HttpClient admin)
    {
        var app = await admin.PostJsonAsync("/api/v1/app", new { name = "Access", uid = HostFixture.Unique("access") }).ExpectAsync(HttpStatusCode.Created);
        return app.Str("id");
    }

    private async Task<string> PortalTokenAsync(string app) =>
        (await _admin.PostJsonAsync($"/api/v1/auth/app-portal-access/{app}", new { }).ExpectAsync(HttpStatusCode.OK)).Str("token");

    /// <summary>One of everything a path can name: an app with an endpoint, a delivered message and its attempt, a recover task, an event type, an operational endpoint, a source with an endpoint and a logged request.</summary>
    internal static async Task<Objects> CreateObjectsAsync(IngestFixture fixture)
    {
        var admin = fixture.Admin;
        var app = await CreateAppAsync(admin);
        var path = "/" + HostFixture.Unique("access");
        var endpoint = (await admin.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = fixture.Receiver.Url(path) }).ExpectAsync(HttpStatusCode.Created)).Str("id");
        var msg = (await admin.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "access.checked", payload = new { a = 1 } }).ExpectAsync(HttpStatusCode.Accepted)).Str("id");
        var attempts = await ApiClientExtensions.EventuallyAsync(
            () => admin.GetAtAsync($"/api/v1/app/{app}/attempt/msg/{msg}").ExpectAsync(HttpStatusCode.OK),
            a => a.GetProperty("data").GetArrayLength() > 0);
        var attempt = attempts.GetProperty("data")[0].Str("id");
        var task = (await admin.PostJsonAsync($"/api/v1/app/{app}/endpoint/{endpoint}/recover", new { since = DateTimeOffset.UtcNow.AddHours(-1) }).ExpectAsync(HttpStatusCode.Accepted)).Str("id");
        var eventType = HostFixture.Unique("access");
        await admin.PostJsonAsync("/api/v1/event-type", new { name = eventType, description = "Access table" }).ExpectAsync(HttpStatusCode.Created);
        var operational = (await admin.PostJsonAsync("/api/v1/operational-webhook/endpoint", new { url = fixture.Receiver.Url("/operational") }).ExpectAsync(HttpStatusCode.Created)).Str("id");
        var source = await fixture.CreateSourceAsync("github", new { secret = "access-secret" });
        using (var unsigned = await source.PostAsync("""{"zen":"x"}"""u8.ToArray(), []))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }
        var log = await admin.GetAtAsync($"/ingest/api/v1/source/{source.Id}/log").ExpectAsync(HttpStatusCode.OK);
        var ingestToken = source.IngestUrl[(source.IngestUrl.LastIndexOf('/') + 1)..];
        return new Objects(app, endpoint, msg, attempt, task, eventType, operational, source.Id, source.EndpointId, log.GetProperty("data")[0].Str("id"), ingestToken);
    }

    internal sealed record Objects(string App, string Endpoint, string Msg, string Attempt, string Task, string EventType, string Operational, string Source, string SourceEndpoint, string Log, string IngestToken)
    {
        public string Fill(string template)
        {
            var endpoint = template.StartsWith("/api/v1/operational-webhook/", StringComparison.Ordinal) ? Operational
                : template.StartsWith("/ingest/api/v1/source/", StringComparison.Ordinal) ? SourceEndpoint
                : Endpoint;
            return template
                .Replace("{app_id}", App, StringComparison.Ordinal)
                .Replace("{endpoint_id}", endpoint, StringComparison.Ordinal)
                .Replace("{msg_id}", Msg, StringComparison.Ordinal)
                .Replace("{attempt_id}", Attempt, StringComparison.Ordinal)
                .Replace("{task_id}", Task, StringComparison.Ordinal)
                .Replace("{event_type_name}", EventType, StringComparison.Ordinal)
                .Replace("{source_id}", Source, StringComparison.Ordinal)
                .Replace("{log_id}", Log, StringComparison.Ordinal)
                .Replace("{token}", IngestToken, StringComparison.Ordinal);
        }
    }
}
