using System.Text;
using Hookline.Core.Ids;

namespace Hookline.Bench.Lists;

/// <summary>One seeded message with its deliveries, as the store would hold it after they finished.</summary>
internal sealed record SeedMessage(string Id, string EventType, string? Channels, byte[] Payload, long CreatedAt, IReadOnlyList<SeedDelivery> Deliveries)
{
    /// <summary>The channels of a stored <c>,a,b,</c> value, one per message_channels row.</summary>
    public static string[] ChannelList(string? stored) => stored?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [];
}

/// <summary>A finished delivery (status 0 success or 2 fail) and every attempt it took.</summary>
internal sealed record SeedDelivery(string EndpointId, string Url, int Status, long LastAttemptAt, IReadOnlyList<SeedAttempt> Attempts);

internal sealed record SeedAttempt(string Id, int Status, int ResponseStatusCode, string Response, int DurationMs, long Timestamp, string? Error);

/// <summary>
/// Generates an application's finished history: messages spread evenly over a time window, each
/// sent to two of the app's endpoints, each delivery with the attempts the retry schedule would have
/// made — 85 % succeed at once, 10 % after one to three failures, 5 % fail all eight tries. Ids are
/// real Hookline ids (prefix + time-sortable base62) stamped with the message's or the attempt's own
/// time, so they page and filter by time exactly as ids the server made. A fixed seed makes runs
/// comparable; a later call adds more messages over the same window (ids interleave with the earlier
/// ones, as a store that grew would hold them).
/// </summary>
internal sealed class ListHistory
{
    /// <summary>Attempts per message on average: two deliveries × (0.85 × 1 + 0.10 × 3 + 0.05 × 8).</summary>
    public const double AttemptsPerMessage = 2 * 1.55;

    /// <summary>Offsets of the tries from the message's creation: at once, then the default retry schedule.</summary>
    private static readonly TimeSpan[] Tries =
    [
        TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    private static readonly string[] EventTypes = ["invoice.paid", "invoice.created", "user.signup", "order.shipped", "payment.failed"];

    /// <summary>The channels column as the store writes it: half the messages in no channel, one in a hundred in the rare <c>vip</c>.</summary>
    private static readonly string?[] Channels = [null, null, ",eu,", ",us,"];

    private readonly IReadOnlyList<(string Id, string Url)> _endpoints;
    private readonly DateTimeOffset _from;
    private readonly DateTimeOffset _to;
    private readonly Random _random;

    public ListHistory(IReadOnlyList<(string Id, string Url)> endpoints, DateTimeOffset from, DateTimeOffset to, int seed)
    {
        if (endpoints.Count < 2)
        {
            throw new ArgumentException("At least two endpoints are needed.", nameof(endpoints));
        }
        _endpoints = endpoints;
        _from = from;
        _to = to;
        _random = new Random(seed);
    }

    /// <summary>About <paramref name="attempts"/> attempts' worth of messages, in time order over the whole window.</summary>
    public IEnumerable<SeedMessage> Generate(long attempts)
    {
        var messages = (long)Math.Ceiling(attempts / AttemptsPerMessage);
        var step = (_to - _from).Ticks / (double)Math.Max(1, messages);
        for (long n = 0; n < messages; n++)
        {
            var createdAt = _from + TimeSpan.FromTicks((long)((n + _random.NextDouble()) * step));
            yield return Message(createdAt);
        }
    }

    private SeedMessage Message(DateTimeOffset createdAt)
    {
        var first = _random.Next(_endpoints.Count);
        var second = (first + 1 + _random.Next(_endpoints.Count - 1)) % _endpoints.Count;
        var eventType = EventTypes[_random.Next(EventTypes.Length)];
        var channels = _random.Next(100) == 0 ? ",vip,eu," : Channels[_random.Next(Channels.Length)];
        var payload = Encoding.UTF8.GetBytes($$"""{"type":"{{eventType}}","id":{{_random.Next()}},"amount":{{_random.Next(100, 100_000)}},"currency":"EUR","customer":"cus_{{_random.Next():x8}}"}""");
        return new SeedMessage(HooklineIds.New(HooklineIds.Message, createdAt), eventType, channels, payload, createdAt.ToUnixTimeMilliseconds(),
            [Delivery(_endpoints[first], createdAt), Delivery(_endpoints[second], createdAt)]);
    }

    private SeedDelivery Delivery((string Id, string Url) endpoint, DateTimeOffset createdAt)
    {
        var outcome = _random.NextDouble();
        var failures = outcome < 0.85 ? 0 : outcome < 0.95 ? 1 + _random.Next(3) : Tries.Length;
        var succeeded = failures < Tries.Length;
        var attempts = new List<SeedAttempt>(failures + 1);
        var at = createdAt;
        for (var i = 0; i < failures + (succeeded ? 1 : 0); i++)
        {
            at += Tries[i] + TimeSpan.FromMilliseconds(_random.Next(1, 50));
            var ok = succeeded && i == failures;
            var timedOut = !ok && _random.Next(4) == 0;
            var duration = ok ? _random.Next(20, 300) : timedOut ? 15_000 : _random.Next(20, 2_000);
            attempts.Add(new SeedAttempt(
                HooklineIds.New(HooklineIds.Attempt, at), ok ? 0 : 2, ok ? 200 : timedOut ? 0 : 503,
                ok ? """{"received":true}""" : timedOut ? "" : "Service Unavailable", duration, at.ToUnixTimeMilliseconds(),
                timedOut ? "Request timed out after 15s" : null));
        }
        return new SeedDelivery(endpoint.Id, endpoint.Url, succeeded ? 0 : 2, attempts[^1].Timestamp, attempts);
    }
}
