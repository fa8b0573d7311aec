using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Hookline.Signatures;
using Hookline.Signatures.Providers;
using Hookline.Signatures.StandardWebhooks;

namespace Hookline.Bench.Signatures;

/// <summary>
/// Sign and verify a 1 KiB JSON payload. The baseline is a bare <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/>
/// over the same bytes: v1 verification adds header lookup, timestamp parsing and tolerance,
/// building "{id}.{ts}.{body}", base64 decoding and a constant-time compare on top of it.
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet generates a subclass of the benchmark type.</remarks>
[MemoryDiagnoser]
public class SignaturesBenchmarks
{
    private const long Timestamp = 1_700_000_000;
    private const string MessageId = "msg_2fYc9hTQ1rZk8Jv3Xw0bNn5aLp";

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(24);
    private readonly byte[] _mac = new byte[32];
    private byte[] _body = [];
    private StandardWebhookSecret _v1Secret = null!;
    private StandardWebhookSecret _v1aSecret = null!;
    private StandardWebhookVerifier _v1Verifier = null!;
    private StandardWebhookVerifier _v1aVerifier = null!;
    private WebhookRequest _v1Request = null!;
    private WebhookRequest _v1aRequest = null!;
    private IWebhookSigner _stripeSigner = null!;
    private IWebhookSigner _githubSigner = null!;
    private IWebhookSigner _slackSigner = null!;
    private IWebhookSigner _shopifySigner = null!;
    private IWebhookVerifier _stripeVerifier = null!;
    private IWebhookVerifier _githubVerifier = null!;
    private IWebhookVerifier _slackVerifier = null!;
    private IWebhookVerifier _shopifyVerifier = null!;
    private WebhookRequest _stripeRequest = null!;
    private WebhookRequest _githubRequest = null!;
    private WebhookRequest _slackRequest = null!;
    private WebhookRequest _shopifyRequest = null!;

    [GlobalSetup]
    public void Setup()
    {
        var json = new StringBuilder("{\"type\":\"invoice.paid\",\"data\":{\"items\":[");
        while (json.Length < 1000)
        {
            json.Append("{\"sku\":\"SKU-0001\",\"qty\":1},");
        }

        json.Length--;
        json.Append("]}}");
        _body = Encoding.UTF8.GetBytes(json.ToString().PadRight(1024)[..1024]);

        var time = new FixedTime(DateTimeOffset.FromUnixTimeSeconds(Timestamp));
        _v1Secret = StandardWebhookSecret.Parse("whsec_" + Convert.ToBase64String(_key));
        _v1aSecret = StandardWebhookSecret.GenerateEd25519();
        _v1Verifier = new StandardWebhookVerifier(_v1Secret, timeProvider: time);
        _v1aVerifier = new StandardWebhookVerifier(_v1aSecret.GetPublicKey(), timeProvider: time);
        _v1Request = SwRequest(StandardWebhookSignature.Sign(MessageId, Timestamp, _body, _v1Secret));
        _v1aRequest = SwRequest(StandardWebhookSignature.Sign(MessageId, Timestamp, _body, _v1aSecret));

        _stripeSigner = StripeWebhooks.CreateSigner("whsec_bench_stripe_secret", time);
        _githubSigner = GitHubWebhooks.CreateSigner("github bench secret");
        _slackSigner = SlackWebhooks.CreateSigner("8f742231b10e8888abcd99yyyzzz85a5", time);
        _shopifySigner = ShopifyWebhooks.CreateSigner("shopify bench secret");
        _stripeVerifier = StripeWebhooks.CreateVerifier("whsec_bench_stripe_secret", timeProvider: time);
        _githubVerifier = GitHubWebhooks.CreateVerifier("github bench secret");
        _slackVerifier = SlackWebhooks.CreateVerifier("8f742231b10e8888abcd99yyyzzz85a5", timeProvider: time);
        _shopifyVerifier = ShopifyWebhooks.CreateVerifier("shopify bench secret");
        _stripeRequest = new WebhookRequest(new WebhookHeaders(_stripeSigner.Sign(_body)), _body);
        _githubRequest = new WebhookRequest(new WebhookHeaders(_githubSigner.Sign(_body, deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958")), _body);
        _slackRequest = new WebhookRequest(new WebhookHeaders(_slackSigner.Sign(_body)), _body);
        _shopifyRequest = new WebhookRequest(new WebhookHeaders(_shopifySigner.Sign(_body, deliveryId: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")), _body);

        foreach (var (name, verifier, request) in new (string, IWebhookVerifier, WebhookRequest)[] { ("v1", _v1Verifier, _v1Request), ("v1a", _v1aVerifier, _v1aRequest), ("stripe", _stripeVerifier, _stripeRequest), ("github", _githubVerifier, _githubRequest), ("slack", _slackVerifier, _slackRequest), ("shopify", _shopifyVerifier, _shopifyRequest) })
        {
            // A benchmark of a failing path would measure the wrong thing.
            if (!verifier.Verify(request).IsValid)
            {
                throw new InvalidOperationException($"{name} setup does not verify");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _v1Secret.Dispose();
        _v1aSecret.Dispose();
    }

    [Benchmark(Baseline = true, Description = "HMACSHA256.HashData (bare)")]
    public int BareHmacSha256() => HMACSHA256.HashData(_key, _body, _mac);

    [Benchmark(Description = "v1 sign")]
    public string V1Sign() => StandardWebhookSignature.Sign(MessageId, Timestamp, _body, _v1Secret);

    [Benchmark(Description = "v1 verify")]
    public bool V1Verify() => _v1Verifier.Verify(_v1Request).IsValid;

    [Benchmark(Description = "v1a sign")]
    public string V1aSign() => StandardWebhookSignature.Sign(MessageId, Timestamp, _body, _v1aSecret);

    [Benchmark(Description = "v1a verify")]
    public bool V1aVerify() => _v1aVerifier.Verify(_v1aRequest).IsValid;

    [Benchmark(Description = "stripe sign")]
    public int StripeSign() => _stripeSigner.Sign(_body).Count;

    [Benchmark(Description = "stripe verify")]
    public bool StripeVerify() => _stripeVerifier.Verify(_stripeRequest).IsValid;

    [Benchmark(Description = "github sign")]
    public int GitHubSign() => _githubSigner.Sign(_body, deliveryId: "d").Count;

    [Benchmark(Description = "github verify")]
    public bool GitHubVerify() => _githubVerifier.Verify(_githubRequest).IsValid;

    [Benchmark(Description = "slack sign")]
    public int SlackSign() => _slackSigner.Sign(_body).Count;

    [Benchmark(Description = "slack verify")]
    public bool SlackVerify() => _slackVerifier.Verify(_slackRequest).IsValid;

    [Benchmark(Description = "shopify sign")]
    public int ShopifySign() => _shopifySigner.Sign(_body, deliveryId: "d").Count;

    [Benchmark(Description = "shopify verify")]
    public bool ShopifyVerify() => _shopifyVerifier.Verify(_shopifyRequest).IsValid;

    private WebhookRequest SwRequest(string signature) => new(
        new WebhookHeaders
        {
            { StandardWebhookHeaders.Id, MessageId },
            { StandardWebhookHeaders.Timestamp, "1700000000" },
            { StandardWebhookHeaders.Signature, signature },
            { "content-type", "application/json" },
            { "user-agent", "Hookline/0.1" },
        },
        _body);

    /// <summary>A clock stopped at the signing time, so verification never fails on tolerance mid-run.</summary>
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
