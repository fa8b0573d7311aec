using System.Text;
using Hookline.Core.Messages;
using Hookline.Core.Model;
using Microsoft.Data.Sqlite;

namespace Hookline.Core.Tests.Delivery.Engine;

/// <summary>
/// A new message's delivery to an endpoint the node owns is inserted leased to the node and handed to
/// its dispatcher in memory: it is sent without being claimed.
/// </summary>
public sealed class HandOffTests
{
    [Fact]
    public Task Send_ToAnEndpointThisNodeOwns_DeliveredWithoutAnyClaim() =>
        DeliveredWithClaimsOffAsync((engine, app, type, json) => engine.SendAsync(app, type, json));

    /// <summary>Ingest and operational webhooks know only the application's id; their messages are handed off too.</summary>
    [Fact]
    public Task Send_ByApplicationIdAsIngestDoes_DeliveredWithoutAnyClaim() =>
        DeliveredWithClaimsOffAsync((engine, app, type, json) => engine.Messages.CreateAsync(app.Id,
            new MessageDraft { EventType = type, Payload = Encoding.UTF8.GetBytes(json) }, CancellationToken.None));

    private static async Task DeliveredWithClaimsOffAsync(Func<EngineHarness, Application, string, string, Task<MessageCreated>> send)
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync();
        var app = await engine.CreateApplicationAsync();
        await engine.CreateEndpointAsync(app, receiver.Url("/hook"));

        await BlockClaimsAsync(engine);

        // The first message is claimed (nobody owns the endpoint yet); once it arrives, this node owns it.
        await send(engine, app, "first", "{\"n\":0}");
        await Eventually.HoldsAsync(() => receiver.Requests.Count == 1);

        var sent = new List<string>();
        for (var i = 1; i <= 20; i++)
        {
            sent.Add((await send(engine, app, "user.created", $"{{\"n\":{i}}}")).Message.Id);
        }

        // All arrive: each was inserted leased and handed over, never claimed.
        await Eventually.HoldsAsync(() => receiver.Requests.Count == 21, what: "the 20 messages that could not be claimed");
        Assert.Equal(sent.Order(StringComparer.Ordinal), receiver.Requests.Skip(1).Select(r => r.Headers["webhook-id"]).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// No claim can succeed except for a message of event type "first": leasing any other pending row
    /// fails in the database. Set up before anything is sent, so that nothing slow comes between the
    /// first delivery and the others (an endpoint idle for a heartbeat, 1 s, is given up, and then the
    /// others would go in pending and could never be claimed).
    /// </summary>
    private static async Task BlockClaimsAsync(EngineHarness engine)
    {
        await using var connection = new SqliteConnection($"Data Source={engine.DatabaseFile};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText =
            "CREATE TRIGGER no_claims BEFORE UPDATE OF status ON deliveries WHEN OLD.status = 1 AND NEW.status = 3 " +
            "AND (SELECT event_type FROM messages WHERE id = NEW.msg_id) <> 'first' " +
            "BEGIN SELECT RAISE(ABORT, 'claims are off in this test'); END";
        await command.ExecuteNonQueryAsync();
    }
}
