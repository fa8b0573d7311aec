using System.Net;
using System.Text.Json;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Ingest;

/// <summary>
/// Every verification scheme at a real ingest URL, with requests signed independently of
/// Hookline.Signatures (the provider's SDK where npm has one, plain HMAC/ECDSA/Ed25519 otherwise):
/// accepted and forwarded to a real receiver with the original bytes and Hookline's signature; a
/// tampered body, a wrong secret and a stale timestamp refused with 401 as the scheme demands; the
/// same delivery posted again acknowledged as a duplicate and not forwarded twice.
/// </summary>
public sealed class IngestSchemeTests(IngestFixture fixture) : IClassFixture<IngestFixture>
{
    public static TheoryData<string> Schemes => new(ProviderScheme.All.Keys.Order(StringComparer.Ordinal));

    /// <summary>The schemes that sign a timestamp (the others have no staleness to check).</summary>
    public static TheoryData<string> TimestampSchemes => new(ProviderScheme.All.Where(s => s.Value.HasTimestamp).Select(s => s.Key).Order(StringComparer.Ordinal));

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static async Task<(ProviderScheme Scheme, IngestSource Source)> SetUpAsync(IngestFixture fixture, string type)
    {
        var scheme = ProviderScheme.All[type];
        if (scheme.NeedsNode)
        {
            // Without node the provider SDKs cannot sign: skipped, or failed under CI=true.
            NodeOracle.Require();
        }
        return (scheme, await fixture.CreateSourceAsync(type, scheme.Config(scheme.Secret)));
    }

    private static Task<SignedRequest> SignAsync(ProviderScheme scheme, IngestSource source, string? id = null, DateTimeOffset? at = null, string? secret = null) =>
        scheme.SignAsync(new SignContext(id ?? NewId(), at ?? DateTimeOffset.UtcNow, secret ?? scheme.Secret, source.IngestUrl));

    private static async Task<JsonElement> PostAsync(IngestSource source, SignedRequest request, HttpStatusCode expected)
    {
        using var response = await source.PostAsync(request.Body, request.Headers, request.ContentType, request.Query);
        return await response.ExpectAsync(expected);
    }

    [SkippableTheory]
    [MemberData(nameof(Schemes))]
    public async Task SignedByProvider_IsAcceptedAndForwardedWithOriginalBytesAndHooklineSignature(string type)
    {
        var (scheme, source) = await SetUpAsync(fixture, type);
        var request = await SignAsync(scheme, source);

        var answer = await PostAsync(source, request, HttpStatusCode.OK);

        Assert.Equal("accepted", answer.Str("status"));
        var forwarded = await source.WaitForwardedAsync();
        Assert.Single(forwarded);
        source.AssertForwardedIntact(forwarded[0], request.Body, answer.Str("messageId"));
        // The original content type travels with the body.
        Assert.StartsWith(request.ContentType, forwarded[0].Headers["content-type"], StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Schemes))]
    public async Task SameDeliveryPostedTwice_SecondIsDuplicate_ForwardedOnce(string type)
    {
        var (scheme, source) = await SetUpAsync(fixture, type);
        var request = await SignAsync(scheme, source);

        var first = await PostAsync(source, request, HttpStatusCode.OK);
        var second = await PostAsync(source, request, HttpStatusCode.OK);

        Assert.Equal("accepted", first.Str("status"));
        Assert.Equal("duplicate", second.Str("status"));
        Assert.Equal(first.Str("messageId"), second.Str("messageId"));
        await source.WaitForwardedAsync();
        await Task.Delay(500);
        Assert.Single(source.Forwarded);
    }

    [SkippableTheory]
    [MemberData(nameof(Schemes))]
    public async Task TamperedBody_IsRejected_OrDeduplicatedWhereTheSchemeSignsNoBody(string type)
    {
        var (scheme, source) = await SetUpAsync(fixture, type);
        var request = await SignAsync(scheme, source);
        if (scheme.BodySigned)
        {
            var refused = await PostAsync(source, request.Tampered(), HttpStatusCode.Unauthorized);
            Assert.Equal("invalid_signature", refused.Str("code"));
            Assert.False(string.IsNullOrWhiteSpace(refused.Str("detail")));
        }
        else
        {
            // Mailgun and GitLab sign a token, not the body: a changed body under an id already
            // accepted is a replay, acknowledged and not forwarded.
            await PostAsync(source, request, HttpStatusCode.OK);
            var replay = await PostAsync(source, request.Tampered(), HttpStatusCode.OK);
            Assert.Equal("duplicate", replay.Str("status"));
            await source.WaitForwardedAsync();
        }
        await Task.Delay(300);
        Assert.Equal(scheme.BodySigned ? 0 : 1, source.Forwarded.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Schemes))]
    public async Task WrongSecret_IsRejectedWith401(string type)
    {
        var (scheme, source) = await SetUpAsync(fixture, type);
        var request = await SignAsync(scheme, source, secret: scheme.WrongSecret);

        var refused = await PostAsync(source, request, HttpStatusCode.Unauthorized);

        Assert.Equal("invalid_signature", refused.Str("code"));
        await Task.Delay(300);
        Assert.Empty(source.Forwarded);
    }

    [SkippableTheory]
    [MemberData(nameof(TimestampSchemes))]
    public async Task StaleTimestamp_IsRejectedWhereTheSchemeHasOne(string type)
    {
        var (scheme, source) = await SetUpAsync(fixture, type);
        var request = await SignAsync(scheme, source, at: DateTimeOffset.UtcNow.AddHours(-1));

        var refused = await PostAsync(source, request, HttpStatusCode.Unauthorized);

        Assert.Contains("old", refused.Str("detail"), StringComparison.OrdinalIgnoreCase);
        var log = await source.LogAsync();
        var entry = log.GetProperty("data")[0];
        Assert.Equal("rejected", entry.Str("outcome"));
        Assert.StartsWith("TimestampTooOld", entry.Str("error_text"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenericWebhook_AcceptsAnything_DedupesOnTheBodyHash()
    {
        var source = await fixture.CreateSourceAsync("generic-webhook", null);
        var body = "{\"hello\":\"world\"}"u8.ToArray();

        var first = await PostAsync(source, new SignedRequest(body, []), HttpStatusCode.OK);
        var second = await PostAsync(source, new SignedRequest(body, []), HttpStatusCode.OK);
        var other = await PostAsync(source, new SignedRequest("{\"hello\":\"again\"}"u8.ToArray(), []), HttpStatusCode.OK);

        Assert.Equal("accepted", first.Str("status"));
        Assert.Equal("duplicate", second.Str("status"));
        Assert.Equal("accepted", other.Str("status"));
        var forwarded = await source.WaitForwardedAsync(2);
        source.AssertForwardedIntact(forwarded.Single(f => f.Headers["webhook-id"] == first.Str("messageId")), body);
        var log = await source.LogAsync();
        Assert.StartsWith("sha256:", log.GetProperty("data")[0].Str("dedupe_key"), StringComparison.Ordinal);
    }
}
