using Microsoft.Data.Sqlite;

namespace Hookline.Core.Tests.Delivery.Engine;

/// <summary>
/// An offer stranded by a take: another node inserted a delivery leased to the endpoint's previous
/// owner (lease token <c>o:</c> + that node) and committed just after this node took the endpoint, so
/// the take did not put it back and nobody will send it. Once its lease runs out the new owner puts
/// it back to pending and sends it. The row is written behind the engine's back, as that other node
/// would have written it.
/// </summary>
public sealed class StrandedOfferTests
{
    [Fact]
    public async Task OfferToThePreviousOwnerCommittedAfterTheTake_SentByTheNewOwnerOnceItsLeaseRunsOut()
    {
        await using var receiver = await TestReceiver.StartAsync();
        // A short lease: the owner looks for stranded offers only on endpoints it took about a lease
        // duration ago (give or take ten seconds), and between full sweeps (30 s apart) only at leases
        // that ran out since its last look, so with the default lease the first look would come 35 s in.
        await using var engine = await EngineHarness.StartAsync(o => o.LeaseDuration = TimeSpan.FromSeconds(5));
        var app = await engine.CreateApplicationAsync();
        var endpoint = await engine.CreateEndpointAsync(app, receiver.Url("/hooks"), e => e with { EventTypes = ["keep"] });

        // A steady trickle keeps the endpoint owned here (an endpoint idle for a heartbeat is given up).
        using var stop = new CancellationTokenSource();
        var trickle = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await engine.SendAsync(app, "keep", "{}");
                await Task.Delay(TimeSpan.FromMilliseconds(150), CancellationToken.None);
            }
        });
        try
        {
            await Eventually.HoldsAsync(() => receiver.At("/hooks").Any(), what: "the endpoint taken and sent to");

            // A message the endpoint's filter left out gets a row as the other node would have offered it.
            var stranded = await engine.SendAsync(app, "other", "{\"stranded\":true}");
            await using (var connection = new SqliteConnection($"Data Source={engine.DatabaseFile};Pooling=False"))
            {
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText =
                    "INSERT INTO deliveries (msg_id, endpoint_id, app_id, status, attempt_count, next_attempt_at, trigger_type, created_at, lease_token) " +
                    "VALUES ($msg, $endpoint, $app, 3, 0, $until, 0, $now, 'o:a-node-that-gave-it-up')";
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                command.Parameters.AddWithValue("$msg", stranded.Message.Id);
                command.Parameters.AddWithValue("$endpoint", endpoint.Id);
                command.Parameters.AddWithValue("$app", app.Id);
                command.Parameters.AddWithValue("$until", now + 500);
                command.Parameters.AddWithValue("$now", now);
                await command.ExecuteNonQueryAsync();
            }

            await Eventually.HoldsAsync(() => receiver.At("/hooks").Any(r => r.Headers["webhook-id"] == stranded.Message.Id),
                TimeSpan.FromSeconds(10), "the stranded offer sent by the endpoint's owner");
        }
        finally
        {
            await stop.CancelAsync();
            await trickle;
        }
    }
}
