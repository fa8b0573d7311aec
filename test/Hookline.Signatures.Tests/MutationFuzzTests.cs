using System.Diagnostics;
using System.Text;
using CsCheck;
using Xunit.Abstractions;
using static Hookline.Signatures.Tests.TestRequests;

namespace Hookline.Signatures.Tests;

/// <summary>
/// Correctly signed requests, then mutated the way a network, a proxy or an attacker would: a body
/// byte flipped, the body cut or extended or replaced, a header value edited, dropped, replaced by
/// hostile text or sent twice, a header name's case changed, the URL changed. Every signing verifier
/// (the <see cref="SignerRoundTripTests.Pairs"/>) answers each with a <see cref="VerificationResult"/>
/// and never throws; the unmutated request verifies, and a flipped body byte never does — except for
/// GitLab, whose token does not cover the body, and Twilio, which signs the decoded form parameters, so
/// <c>%2B</c> turned into <c>%2b</c> is the same request (found by the 1M run). <see cref="FuzzBudget"/>
/// sets the count.
/// </summary>
public sealed class MutationFuzzTests(ITestOutputHelper output)
{
    private const long Now = 1_700_000_000;
    private const string Url = "https://hooks.example.com/in/src_1?x=1";

    private enum Mutation
    {
        None,
        FlipBodyByte,
        TruncateBody,
        AppendToBody,
        ReplaceBody,
        EditHeaderValue,
        DropHeader,
        HostileHeaderValue,
        DuplicateHeader,
        HeaderNameCase,
        ChangeUrl,
    }

    private static readonly string[] Hostile =
    [
        "", " ", "\0", "v1,", "v1a,====", "t=,v1=", "t=1700000000,v1=" + new string('z', 64), "sha256=" + new string('g', 64), "sha1=",
        "-1", "99999999999999999999999999", "1700000000", "2023-11-14T22:13:20Z", "ts=;h1=", "💥", "\ud800", new string(',', 300),
        string.Join(' ', Enumerable.Repeat("v1a," + new string('A', 88), 50)), new string('A', 16 * 1024),
    ];

    public static TheoryData<string> Types() => [.. SignerRoundTripTests.Pairs().Select(row => (string)row[0])];

    [Theory]
    [MemberData(nameof(Types))]
    public void Verify_MutatedSignedRequests_NeverThrows(string type)
    {
        var pair = SignerRoundTripTests.Pairs().Single(row => (string)row[0] == type);
        var signer = WebhookSigners.Create(type, (Dictionary<string, string?>)pair[1], At(Now));
        var verifier = WebhookVerifiers.Create(type, (Dictionary<string, string?>)pair[2], At(Now));
        var body = Utf8((string)pair[3]);
        var signed = new WebhookHeaders(signer.Sign(body, Url, "delivery-1"));
        if (type == "twilio")
        {
            signed.Add("Content-Type", "application/x-www-form-urlencoded");
        }
        var names = signed.Select(h => h.Key).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var iterations = FuzzBudget.Iterations(2000);
        long tried = 0;
        var clock = Stopwatch.StartNew();

        Gen.Select(Gen.Enum<Mutation>(), Gen.Int[0, int.MaxValue], Gen.Byte[1, 255], Gen.Byte.Array[0, 64], Gen.Char['\u0020', '\u00ff'])
            .Sample((mutation, position, xor, bytes, character) =>
            {
                var (headers, mutatedBody, url) = Mutate(mutation, signed, names, body, position, xor, bytes, character);
                var result = verifier.Verify(new WebhookRequest(headers, mutatedBody, url));
                Interlocked.Increment(ref tried);
                Assert.NotNull(result);
                Assert.False(string.IsNullOrEmpty(result.Message));
                if (mutation == Mutation.None)
                {
                    Assert.True(result.IsValid, $"{type}: the unmutated request must verify: {result}");
                }
                else if (mutation == Mutation.FlipBodyByte && type is not ("gitlab" or "twilio"))
                {
                    Assert.False(result.IsValid, $"{type}: a flipped body byte must not verify");
                }
            }, iter: iterations);

        output.WriteLine($"{type}: {tried} mutated requests in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(iterations, tried);
    }

    private static (WebhookHeaders Headers, byte[] Body, string? Url) Mutate(
        Mutation mutation, WebhookHeaders signed, string[] names, byte[] body, int position, byte xor, byte[] bytes, char character)
    {
        var headers = new WebhookHeaders();
        var target = names[position % names.Length];
        foreach (var (name, value) in signed)
        {
            var isTarget = string.Equals(name, target, StringComparison.OrdinalIgnoreCase);
            switch (mutation)
            {
                case Mutation.DropHeader when isTarget:
                    break;
                case Mutation.EditHeaderValue when isTarget && value.Length > 0:
                    var at = position % value.Length;
                    headers.Add(name, string.Concat(value.AsSpan(0, at), character.ToString(), value.AsSpan(at + 1)));
                    break;
                case Mutation.HostileHeaderValue when isTarget:
                    headers.Add(name, Hostile[position % Hostile.Length]);
                    break;
                case Mutation.DuplicateHeader when isTarget:
                    headers.Add(name, value);
                    headers.Add(name, Hostile[position % Hostile.Length]);
                    break;
                case Mutation.HeaderNameCase when isTarget:
                    headers.Add(position % 2 == 0 ? name.ToUpperInvariant() : name.ToLowerInvariant(), value);
                    break;
                default:
                    headers.Add(name, value);
                    break;
            }
        }
        var mutated = mutation switch
        {
            Mutation.FlipBodyByte when body.Length > 0 => Flip(body, position % body.Length, xor),
            Mutation.TruncateBody => body[..(position % (body.Length + 1))],
            Mutation.AppendToBody => [.. body, .. bytes.Length > 0 ? bytes : [(byte)' ']],
            Mutation.ReplaceBody => bytes,
            _ => body,
        };
        var url = mutation == Mutation.ChangeUrl
            ? (position % 3) switch { 0 => null, 1 => Url + "&y=" + (int)character, _ => "not a url " + character }
            : Url;
        return (headers, mutated, url);
    }

    private static byte[] Flip(byte[] body, int at, byte xor)
    {
        var copy = (byte[])body.Clone();
        copy[at] ^= xor;
        return copy;
    }
}
