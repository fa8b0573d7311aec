using System.Text;
using CsCheck;
using static Hookline.Signatures.Tests.TestRequests;

namespace Hookline.Signatures.Tests;

/// <summary>
/// Bad input never throws and never verifies: random and hostile headers and bodies against every
/// verifier type (empty, huge, non-base64, wrong prefixes, unicode, NUL bytes, near-miss syntax).
/// </summary>
public sealed class FuzzTests
{
    private static readonly string[] HeaderNames =
    [
        "webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp", "svix-signature", "Stripe-Signature",
        "X-Hub-Signature-256", "X-Hub-Signature", "X-GitHub-Delivery", "X-Shopify-Hmac-Sha256", "X-Slack-Signature", "X-Slack-Request-Timestamp",
        "x-zm-signature", "x-zm-request-timestamp", "X-Twilio-Signature", "Content-Type", "Paddle-Signature", "x-square-hmacsha256-signature",
        "X-Signature-Ed25519", "X-Signature-Timestamp", "Twitch-Eventsub-Message-Id", "Twitch-Eventsub-Message-Timestamp",
        "Twitch-Eventsub-Message-Signature", "Twitch-Eventsub-Message-Type", "Linear-Signature", "X-Twilio-Email-Event-Webhook-Signature",
        "X-Twilio-Email-Event-Webhook-Timestamp", "X-Gitlab-Token", "X-Sig", "X-Id", "X-Ts",
    ];

    private static readonly Gen<string> HostileValues = Gen.OneOf(
        Gen.Const(string.Empty),
        Gen.Const(" "),
        Gen.Const("\0\0\0"),
        Gen.Const("v1,"),
        Gen.Const("v1a,===="),
        Gen.Const("t=,v1="),
        Gen.Const("t=1700000000,v1=" + new string('z', 64)),
        Gen.Const("ts=1700000000;h1=" + new string('0', 63)),
        Gen.Const("sha256=" + new string('g', 64)),
        Gen.Const("sha1=" + new string('0', 40)),
        Gen.Const("v0=" + new string('f', 64)),
        Gen.Const("1700000000"),
        Gen.Const("2023-11-14T22:13:20.123456789123Z"),
        Gen.Const("-1"),
        Gen.Const("99999999999999999999999999"),
        Gen.Const(new string('A', 1 << 20)),
        Gen.Const(string.Join(' ', Enumerable.Repeat("v1a," + new string('A', 88), 200))),
        Gen.String,
        Gen.String[Gen.Char["ABCDEFabcdef0123456789+/=,;: v1a"], 0, 200],
        Gen.String[Gen.Char['\0', '\uffff'], 0, 100]);

    private static readonly Gen<byte[]> HostileBodies = Gen.OneOf(
        Gen.Byte.Array[0, 512],
        Gen.Const(Array.Empty<byte>()),
        Gen.Const(Encoding.UTF8.GetBytes("{\"signature\":{\"timestamp\":\"1700000000\",\"token\":\"t\",\"signature\":\"zz\"}}")),
        Gen.Const(Encoding.UTF8.GetBytes("{\"webhookTimestamp\":\"abc\",\"type\":\"url_verification\",\"challenge\":{}}")),
        Gen.Const(Encoding.UTF8.GetBytes("{\"event\":\"endpoint.url_validation\",\"payload\":{\"plainToken\":[1,2]}}")),
        Gen.Const(Encoding.UTF8.GetBytes("timestamp=1&token=&signature=%ZZ&%%%=&=")),
        Gen.Const(Encoding.UTF8.GetBytes(new string('[', 10_000))),
        Gen.Const(new byte[] { 0xff, 0xfe, 0x00, 0xc3 }));

    private static readonly Gen<(string, string)[]> HostileHeaders =
        Gen.Select(Gen.OneOf(Gen.Int[0, HeaderNames.Length - 1].Select(i => HeaderNames[i]), Gen.String[Gen.Char.AlphaNumeric, 1, 20]), HostileValues).Array[0, 8];

    public static TheoryData<string> Types() => [.. WebhookVerifiers.KnownTypes];

    [Theory]
    [MemberData(nameof(Types))]
    public void Verify_RandomHostileRequests_NeverThrowsAndNeverAccepts(string type)
    {
        var config = new WebhookVerifiersTests().GetType().GetMethod(nameof(WebhookVerifiersTests.ValidConfigs))!.Invoke(null, null) is TheoryData<string, Dictionary<string, string?>> data
            ? data.Select(row => ((string)row[0], (Dictionary<string, string?>)row[1])).First(row => row.Item1 == type).Item2
            : throw new InvalidOperationException();
        var verifier = WebhookVerifiers.Create(type, config, At(1_700_000_000));
        Gen.Select(HostileHeaders, HostileBodies, Gen.OneOf(Gen.Const((string?)null), Gen.Const<string?>("https://example.com/x?bodySHA256=zz"), Gen.Const<string?>("not a url"), Gen.Const<string?>("https://[::1]:99999/p")))
            .Sample((headers, body, url) =>
            {
                var collection = new WebhookHeaders();
                foreach (var (name, value) in headers)
                {
                    collection.Add(name, value);
                }

                var result = verifier.Verify(new WebhookRequest(collection, body, url));
                Assert.NotNull(result);
                Assert.False(string.IsNullOrEmpty(result.Message));
                Assert.Equal(type == "generic-webhook", result.IsValid);
            }, iter: FuzzBudget.Iterations(250));
    }

    [Fact]
    public void Validate_RandomConfigs_NeverThrows() =>
        Gen.Select(Gen.Int[0, WebhookVerifiers.KnownTypes.Count - 1], Gen.Select(Gen.OneOf(Gen.Const("secret"), Gen.Const("publicKey"), Gen.Const("toleranceSeconds"), Gen.Const("template"), Gen.Const("header"), Gen.String[Gen.Char.AlphaNumeric, 1, 8]), HostileValues).Array[0, 5])
            .Sample((index, pairs) =>
            {
                var config = new Dictionary<string, string?>();
                foreach (var (key, value) in pairs)
                {
                    config[key] = value;
                }

                var type = WebhookVerifiers.KnownTypes[index];
                WebhookVerifiers.TryCreate(type, config, null, out _, out var errors);
                Assert.All(errors, e => Assert.False(string.IsNullOrEmpty(e.Message)));
                WebhookSigners.TryCreate(type, config, null, out _, out _);
            }, iter: 1000);
}
