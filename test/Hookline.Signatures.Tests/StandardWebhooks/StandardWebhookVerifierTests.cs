using Hookline.Signatures.StandardWebhooks;
using static Hookline.Signatures.Tests.TestRequests;

namespace Hookline.Signatures.Tests.StandardWebhooks;

public sealed class StandardWebhookVerifierTests
{
    private const long T = 1_700_000_000;
    private static readonly StandardWebhookSecret Secret = StandardWebhookSecret.Parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

    private static WebhookRequest Signed(string body = "{}", long timestamp = T, string id = "msg_1") =>
        Request(body, ("webhook-id", id), ("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("webhook-signature", StandardWebhookSignature.Sign(id, timestamp, Utf8(body), Secret)));

    private static StandardWebhookVerifier VerifierAt(long now, TimeSpan? tolerance = null) => new(Secret, tolerance, At(now));

    // The tolerance is inclusive: exactly ±limit is accepted, one second beyond is rejected (as
    // the reference libraries do).
    [Theory]
    [InlineData(T + 300, true)]
    [InlineData(T + 301, false)]
    [InlineData(T - 300, true)]
    [InlineData(T - 301, false)]
    public void Verify_AtToleranceEdges_AcceptsExactlyAtLimitOnly(long now, bool valid)
    {
        var result = VerifierAt(now).Verify(Signed());
        Assert.Equal(valid, result.IsValid);
        if (!valid)
        {
            Assert.Equal(now > T ? VerificationFailure.TimestampTooOld : VerificationFailure.TimestampInFuture, result.Failure);
            Assert.Equal(now - T, result.SkewSeconds);
            Assert.Contains("301 s", result.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Verify_ConfiguredTolerance_IsUsed()
    {
        AssertValid(VerifierAt(T + 3600, TimeSpan.FromHours(1)).Verify(Signed()));
        AssertFails(VerifierAt(T + 3601, TimeSpan.FromHours(1)).Verify(Signed()), VerificationFailure.TimestampTooOld);
    }

    [Fact]
    public void Verify_MissingHeaders_NameTheHeader()
    {
        var verifier = VerifierAt(T);
        var noId = verifier.Verify(Request("{}", ("webhook-timestamp", "1"), ("webhook-signature", "v1,x")));
        AssertFails(noId, VerificationFailure.MissingHeader);
        Assert.Equal("webhook-id", noId.Header);
        var noTimestamp = verifier.Verify(Request("{}", ("webhook-id", "m"), ("webhook-signature", "v1,x")));
        Assert.Equal("webhook-timestamp", noTimestamp.Header);
        var noSignature = verifier.Verify(Request("{}", ("webhook-id", "m"), ("webhook-timestamp", "1")));
        Assert.Equal("webhook-signature", noSignature.Header);
        Assert.Contains("webhook-signature", noSignature.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1700000000")]
    [InlineData("1700000000.5")]
    [InlineData(" 1700000000")]
    [InlineData("abc")]
    [InlineData("99999999999999999999")]
    public void Verify_MalformedTimestamp_FailsMalformedHeader(string timestamp)
    {
        var result = VerifierAt(T).Verify(Request("{}", ("webhook-id", "m"), ("webhook-timestamp", timestamp), ("webhook-signature", "v1,AAAA")));
        AssertFails(result, VerificationFailure.MalformedHeader);
        Assert.Equal("webhook-timestamp", result.Header);
    }

    [Fact]
    public void Verify_WrongSecret_SaysHowManySignaturesWereTried()
    {
        var other = StandardWebhookSecret.GenerateSymmetric();
        var a = StandardWebhookSignature.Sign("msg_1", T, Utf8("{}"), other);
        var b = StandardWebhookSignature.Sign("msg_1", T, Utf8("{}"), StandardWebhookSecret.GenerateSymmetric());
        var result = VerifierAt(T).Verify(Request("{}", ("webhook-id", "msg_1"), ("webhook-timestamp", T.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("webhook-signature", $"{a} {b}")));
        AssertFails(result, VerificationFailure.NoMatchingSignature);
        Assert.Equal(2, result.SignaturesTried);
        Assert.Contains("2 signatures", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_OnlyV1aPresentButSymmetricSecret_ExplainsTheMismatch()
    {
        using var key = StandardWebhookSecret.GenerateEd25519();
        var signature = StandardWebhookSignature.Sign("msg_1", T, Utf8("{}"), key);
        var result = VerifierAt(T).Verify(Request("{}", ("webhook-id", "msg_1"), ("webhook-timestamp", T.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("webhook-signature", signature)));
        AssertFails(result, VerificationFailure.NoMatchingSignature);
        Assert.Contains("'v1' (HMAC)", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ReceiverRotationWithTwoSecrets_AcceptsEither()
    {
        var newSecret = StandardWebhookSecret.GenerateSymmetric();
        var verifier = new StandardWebhookVerifier([newSecret, Secret], timeProvider: At(T));
        AssertValid(verifier.Verify(Signed()));
    }

    [Fact]
    public void Verify_SignatureSplitOverTwoHeaderLines_Accepts()
    {
        var good = StandardWebhookSignature.Sign("msg_1", T, Utf8("{}"), Secret);
        var headers = new WebhookHeaders { { "webhook-id", "msg_1" }, { "webhook-timestamp", "1700000000" }, { "webhook-signature", "v1," + Convert.ToBase64String(new byte[32]) }, { "WEBHOOK-SIGNATURE", good } };
        AssertValid(VerifierAt(T).Verify(new WebhookRequest(headers, Utf8("{}"))));
    }

    [Fact]
    public void Verify_ConflictingDuplicateIdHeaders_FailsMalformed()
    {
        var good = StandardWebhookSignature.Sign("msg_1", T, Utf8("{}"), Secret);
        var headers = new WebhookHeaders { { "webhook-id", "msg_1" }, { "webhook-id", "msg_2" }, { "webhook-timestamp", "1700000000" }, { "webhook-signature", good } };
        AssertFails(VerifierAt(T).Verify(new WebhookRequest(headers, Utf8("{}"))), VerificationFailure.MalformedHeader);
    }

    [Fact]
    public void Verify_TooManySignatures_FailsMalformedBeforeDoingTheWork()
    {
        var many = string.Join(' ', Enumerable.Repeat("v1a," + Convert.ToBase64String(new byte[64]), 40));
        var result = VerifierAt(T).Verify(Request("{}", ("webhook-id", "msg_1"), ("webhook-timestamp", "1700000000"), ("webhook-signature", many)));
        AssertFails(result, VerificationFailure.MalformedHeader);
    }

    [Fact]
    public void Verify_UnknownVersionsAreIgnored_ValidV1StillPasses()
    {
        var good = StandardWebhookSignature.Sign("msg_1", T, Utf8("{}"), Secret);
        AssertValid(VerifierAt(T).Verify(Request("{}", ("webhook-id", "msg_1"), ("webhook-timestamp", "1700000000"), ("webhook-signature", "v2,abc v0 , " + good))));
    }

    [Fact]
    public void Result_IsNotImplicitlyBoolean()
    {
        // Guard against `if (verifier.Verify(request))`: no conversion operator and no operator true.
        var type = typeof(VerificationResult);
        Assert.DoesNotContain(type.GetMethods(), m => m.Name is "op_Implicit" or "op_Explicit" or "op_True" or "op_False");
    }

    [Fact]
    public void ThrowIfInvalid_FailedResult_ThrowsWithTypedReason()
    {
        var result = VerifierAt(T + 1000).Verify(Signed());
        var exception = Assert.Throws<WebhookVerificationException>(() => result.ThrowIfInvalid());
        Assert.Equal(VerificationFailure.TimestampTooOld, exception.Result.Failure);
    }
}
