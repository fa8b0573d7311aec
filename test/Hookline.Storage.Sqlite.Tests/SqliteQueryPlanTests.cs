using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Hookline.Core.Ids;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Hookline.Storage.Sqlite.Tests;

/// <summary>
/// Runs every store operation once, records the SQL the store actually executed, and asks SQLite
/// for each statement's plan: the big tables (deliveries, attempts, messages) must only ever be
/// searched through an index, never scanned whole, and never sorted whole.
/// </summary>
/// <remarks>
/// The statements are captured with SQLite's profile hook on the pooled connections the store will
/// use (its one writer connection comes from the pool too): the pool is warmed with connections that
/// carry the hook before the store opens any. That
/// keeps the store free of test seams, and checks the SQL as written rather than a copy of it.
/// </remarks>
public sealed partial class SqliteQueryPlanTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] BigTables = ["deliveries", "attempts", "messages"];

    private readonly TemporaryDatabaseFile _file = new();
    private readonly ITestOutputHelper _output;
    private readonly ConcurrentDictionary<string, string> _statements = new();
    private string _operation = "";

    public SqliteQueryPlanTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task EveryStatement_BigTables_SearchedThroughIndexesOnly()
    {
        // Migrated by a store of its own: a store keeps the connection its first write opened for all
        // its writes, so the store under test must make its first write on a warmed connection.
        using (var migrator = new SqliteHooklineStore(_file.ConnectionString, TimeProvider.System))
        {
            await migrator.MigrateAsync(CancellationToken.None);
        }
        WarmPoolWithProfiledConnections();
        using var store = new SqliteHooklineStore(_file.ConnectionString, TimeProvider.System);
        await RunEveryOperationAsync(store);

        var problems = new List<string>();
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _file.Path, Pooling = false }.ToString());
        await connection.OpenAsync();
        foreach (var (sql, operation) in _statements.OrderBy(s => s.Value, StringComparer.Ordinal))
        {
            var plan = await ExplainAsync(connection, sql);
            _output.WriteLine($"{operation}\n  {sql}\n    {string.Join("\n    ", plan)}\n");
            foreach (var line in plan)
            {
                if (IsFullScan(line) || IsWholeSort(line, sql))
                {
                    problems.Add($"{operation}: {line}\n  {sql}");
                }
            }
        }

        Assert.True(_statements.Keys.Count(s => s.Contains("deliveries", StringComparison.Ordinal)) >= 10,
            "too few statements captured: the store's connection string no longer matches the warmed pool");
        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
    }

    /// <summary>A whole-table scan of a big table ("SCAN deliveries", "SCAN d", a covering-index scan included).</summary>
    private static bool IsFullScan(string line)
    {
        var match = ScanPattern().Match(line);
        return match.Success && (BigTables.Contains(match.Groups["table"].Value) || match.Groups["table"].Value is "d" or "a" or "m" or "s" or "p");
    }

    /// <summary>
    /// A temp B-tree for ORDER BY in a list (a page of <c>LIMIT @limit</c>) over a big table means every
    /// matching row is read and sorted before the first is returned: for an endpoint with a million
    /// deliveries, a million. (Lookups by id or uid sort at most two rows and are fine.)
    /// </summary>
    private static bool IsWholeSort(string line, string sql) =>
        line.Contains("USE TEMP B-TREE FOR ORDER BY", StringComparison.Ordinal) && sql.Contains("LIMIT @limit", StringComparison.Ordinal)
        && BigTables.Any(t => sql.Contains("FROM " + t, StringComparison.Ordinal));

    [GeneratedRegex(@"^SCAN (?<table>\w+)(?! USING (COVERING )?INDEX \w+ \()")]
    private static partial Regex ScanPattern();

    [GeneratedRegex(@"[@$:][A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex ParameterPattern();

    private static async Task<List<string>> ExplainAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in ParameterPattern().Matches(sql).Select(m => m.Value).Distinct(StringComparer.Ordinal))
        {
            command.Parameters.AddWithValue(name, DBNull.Value);
        }
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(3));
        }
        return lines;
    }

    /// <summary>
    /// Opens pooled connections with the store's exact connection string, hooks each one's statement
    /// profile, and returns them to the pool, where the store's next opens find them.
    /// </summary>
    private void WarmPoolWithProfiledConnections()
    {
        var builder = new SqliteConnectionStringBuilder(_file.ConnectionString) { Pooling = true, Mode = SqliteOpenMode.ReadWriteCreate, DefaultTimeout = 30 };
        var connections = new List<SqliteConnection>();
        for (var i = 0; i < 8; i++)
        {
            var connection = new SqliteConnection(builder.ToString());
            connection.Open();
            SQLitePCL.raw.sqlite3_profile(connection.Handle, (_, statement, _) => Record(statement), null);
            connections.Add(connection);
        }
        foreach (var connection in connections)
        {
            connection.Dispose();
        }
    }

    private void Record(string statement)
    {
        var sql = statement.Trim();
        if (sql.StartsWith("PRAGMA", StringComparison.OrdinalIgnoreCase) || sql.StartsWith("BEGIN", StringComparison.OrdinalIgnoreCase)
            || sql.StartsWith("COMMIT", StringComparison.OrdinalIgnoreCase) || sql.StartsWith("ROLLBACK", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }
        _statements.TryAdd(sql, _operation);
    }

    private async Task Step(string operation, Func<Task> run)
    {
        _operation = operation;
        await run();
    }

    /// <summary>Every store operation, with the filters and paging variants that change the SQL.</summary>
    private async Task RunEveryOperationAsync(SqliteHooklineStore store)
    {
        var ct = CancellationToken.None;
        var app = new Application { Id = HooklineIds.New(HooklineIds.Application, Start), Uid = "acme", Name = "Acme", ThrottleRate = 100, CreatedAt = Start, UpdatedAt = Start };
        Endpoint NewEndpoint(bool ordered) => new()
        {
            Id = HooklineIds.New(HooklineIds.Endpoint, Start),
            AppId = app.Id,
            Url = "https://receiver.example/",
            Ordered = ordered,
            Secrets = [new EndpointSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null)],
            CreatedAt = Start,
            UpdatedAt = Start,
        };
        var endpoint = NewEndpoint(ordered: false);
        var ordered = NewEndpoint(ordered: true);
        var messages = Enumerable.Range(0, 20).Select(i => new Message
        {
            Id = HooklineIds.New(HooklineIds.Message, Start.AddMilliseconds(i)),
            AppId = app.Id,
            EventId = "evt-" + i,
            EventType = i % 2 == 0 ? "user.created" : "user.deleted",
            Payload = [.. "{}"u8],
            Channels = ["eu"],
            CreatedAt = Start.AddMilliseconds(i),
            PayloadExpiresAt = Start.AddDays(1),
        }).ToList();
        var all = new ListQuery();
        var back = new ListQuery { Iterator = "-" + messages[5].Id, Descending = true };
        var forward = new ListQuery { Iterator = messages[5].Id, Descending = true };
        var filter = new MessageFilter { Channel = "eu", EventTypes = ["user.created", "user.deleted"], Before = Start.AddDays(1), After = Start.AddDays(-1) };

        await Step("CreateApplication", () => store.CreateApplicationAsync(app, ct));
        await Step("GetApplication", () => store.GetApplicationAsync("acme", ct));
        await Step("ListApplications", () => store.ListApplicationsAsync(new ListQuery { Iterator = app.Id }, null, ct));
        await Step("UpdateApplication", () => store.UpdateApplicationAsync(app, ct));
        await Step("CreateEndpoint", () => store.CreateEndpointAsync(endpoint, ct));
        await store.CreateEndpointAsync(ordered, ct);
        await Step("GetEndpoint", () => store.GetEndpointAsync(app.Id, endpoint.Id, ct));
        await Step("ListEndpoints", () => store.ListEndpointsAsync(app.Id, new ListQuery { Iterator = endpoint.Id }, ct));
        await Step("GetAllEndpoints", () => store.GetAllEndpointsAsync(app.Id, ct));
        await Step("UpdateEndpoint", () => store.UpdateEndpointAsync(endpoint, ct));
        await Step("InsertMessages", () => store.InsertMessagesAsync([.. messages.Select(m => new NewMessage(m, [endpoint.Id, ordered.Id]))], ct));
        await Step("InsertMessages (duplicate eventId)", () => store.InsertMessagesAsync([new NewMessage(messages[0] with { Id = HooklineIds.New(HooklineIds.Message, Start) }, [endpoint.Id])], ct));
        await Step("GetMessage", () => store.GetMessageAsync(app.Id, "evt-3", ct));
        await Step("ListMessages", () => store.ListMessagesAsync(app.Id, new MessageFilter(), forward, withContent: false, ct));
        await Step("ListMessages (filtered)", () => store.ListMessagesAsync(app.Id, filter, back, withContent: true, ct));
        OwnershipRequest Own(DateTimeOffset now) => new() { NodeId = "n", Now = now, Lease = TimeSpan.FromSeconds(30) };
        OwnedClaimRequest Claim(DateTimeOffset now) => new()
        {
            NodeId = "n", Now = now, LeaseDuration = TimeSpan.FromSeconds(30), Wants = [new EndpointWant(endpoint.Id, 10), new EndpointWant(ordered.Id, 10)],
        };
        await Step("AcquireEndpoints", () => store.AcquireEndpointsAsync(Own(Start.AddSeconds(1)), ct));
        await Step("RenewOwnership", () => store.RenewOwnershipAsync(Own(Start.AddSeconds(1)), ct));
        await Step("ClaimOwned", () => store.ClaimOwnedAsync(Claim(Start.AddSeconds(1)), ct));
        await store.AcquireEndpointsAsync(Own(Start.AddMinutes(5)), ct);
        var claimed = await store.ClaimOwnedAsync(Claim(Start.AddMinutes(5)), ct);
        await Step("Complete", () => store.CompleteAsync([.. claimed.Select((c, i) => new DeliveryCompletion
        {
            DeliveryId = c.DeliveryId,
            LeaseToken = c.LeaseToken,
            Outcome = (DeliveryOutcome)(i % 3),
            NextAttemptAt = Start.AddMinutes(10),
            DisableAfter = TimeSpan.FromDays(5),
            Attempt = new MessageAttempt
            {
                Id = HooklineIds.New(HooklineIds.Attempt, Start.AddMinutes(5)),
                MessageId = c.Message.Id,
                EndpointId = c.Endpoint.Id,
                AppId = app.Id,
                Url = c.Endpoint.Url,
                Status = i % 3 == 0 ? MessageStatus.Success : MessageStatus.Fail,
                ResponseStatusCode = i % 3 == 0 ? 200 : 500,
                Timestamp = Start.AddMinutes(5),
            },
        })], ct));
        await Step("GetNextDue", () => store.GetNextDueAsync(Start, Start.AddSeconds(1), ct));
        await Step("ListMessageDestinations", () => store.ListMessageDestinationsAsync(app.Id, messages[0].Id, new ListQuery { Iterator = endpoint.Id }, ct));
        await Step("ListEndpointMessages", () => store.ListEndpointMessagesAsync(app.Id, endpoint.Id, new MessageFilter(), forward, withContent: false, ct));
        await Step("ListEndpointMessages (filtered)", () => store.ListEndpointMessagesAsync(app.Id, endpoint.Id, filter with { Status = MessageStatus.Fail }, back, withContent: true, ct));
        var attemptFilter = new AttemptFilter { Status = MessageStatus.Fail, StatusCodeClass = 500, Channel = "eu", EventTypes = ["user.created"], Before = Start.AddDays(1), After = Start.AddDays(-1), EndpointId = endpoint.Id };
        var attemptPage = new ListQuery { Descending = true, Iterator = HooklineIds.New(HooklineIds.Attempt, Start.AddHours(1)) };
        await Step("ListAttemptsByEndpoint", () => store.ListAttemptsByEndpointAsync(app.Id, endpoint.Id, new AttemptFilter(), attemptPage, ct));
        await Step("ListAttemptsByEndpoint (filtered)", () => store.ListAttemptsByEndpointAsync(app.Id, endpoint.Id, attemptFilter, attemptPage, ct));
        await Step("ListAttemptsByMessage", () => store.ListAttemptsByMessageAsync(app.Id, messages[0].Id, new AttemptFilter(), attemptPage, ct));
        await Step("ListAttemptsByMessage (filtered)", () => store.ListAttemptsByMessageAsync(app.Id, messages[0].Id, attemptFilter, attemptPage, ct));
        await Step("GetAttempt", () => store.GetAttemptAsync(app.Id, messages[0].Id, HooklineIds.New(HooklineIds.Attempt, Start), ct));
        await Step("ExpungeAttemptContent", () => store.ExpungeAttemptContentAsync(app.Id, messages[0].Id, HooklineIds.New(HooklineIds.Attempt, Start), ct));
        await Step("Resend", () => store.ResendAsync(app.Id, messages[1].Id, endpoint.Id, Start.AddMinutes(6), ct));
        await Step("RecoverFailed", () => store.RecoverFailedAsync(app.Id, endpoint.Id, Start.AddDays(-1), null, Start.AddMinutes(6), ct));
        await Step("GetEndpointStats", () => store.GetEndpointStatsAsync(app.Id, endpoint.Id, Start.AddDays(-1), null, ct));
        await Step("GetEndpointStats (all time)", () => store.GetEndpointStatsAsync(app.Id, endpoint.Id, null, null, ct));
        await Step("GetEndpointStats (partial hours)", () => store.GetEndpointStatsAsync(app.Id, endpoint.Id, Start.AddMinutes(-90), Start.AddMinutes(30), ct));
        await Step("ExpungeMessageContent", () => store.ExpungeMessageContentAsync(app.Id, messages[2].Id, ct));
        await Step("PurgeExpiredPayloads", () => store.PurgeExpiredPayloadsAsync(Start.AddDays(2), 100, ct));
        await Step("PurgeHistory", () => store.PurgeHistoryAsync(Start.AddDays(2), 100, ct));
        await Step("Idempotency", async () =>
        {
            await store.TryAcquireIdempotencyKeyAsync("k", Start, Start.AddDays(1), ct);
            await store.CompleteIdempotencyKeyAsync("k", new IdempotentResponse(202, null, []), ct);
            await store.TryAcquireIdempotencyKeyAsync("k", Start, Start.AddDays(1), ct);
            await store.AbandonIdempotencyKeyAsync("k", ct);
            await store.PurgeExpiredIdempotencyKeysAsync(Start, ct);
        });
        await Step("DeleteEndpoint", () => store.DeleteEndpointAsync(app.Id, ordered.Id, ct));
        await Step("DeleteApplication", () => store.DeleteApplicationAsync(app.Id, ct));
    }
}
