using Hookline.Signatures.StandardWebhooks;
using static Hookline.Signatures.Tests.TestRequests;

namespace Hookline.Signatures.Tests.StandardWebhooks;

public sealed class StandardWebhookSecretTests
{
    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData(" whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whitespace")]
    [InlineData("whsec_not base64!!", "base64")]
    [InlineData("whsec_c2hvcnQ=", "24–64 bytes")]
    [InlineData("my-github-style-password", "base64")]
    [InlineData("whpk_AAAA", "32 bytes")]
    [InlineData("whsk_AAAA", "64 bytes")]
    public void TryParse_InvalidSecret_ReturnsReason(string value, string reasonFragment)
    {
        Assert.False(StandardWebhookSecret.TryParse(value, out var secret, out var error));
        Assert.Null(secret);
        Assert.Contains(reasonFragment, error, StringComparison.Ordinal);
        Assert.DoesNotContain(value.Trim().Length > 8 ? value.Trim()[6..] : "\u0001", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_SecretKeyWithMismatchedPublicHalf_Fails()
    {
        using var a = StandardWebhookSecret.GenerateEd25519();
        using var b = StandardWebhookSecret.GenerateEd25519();
        var seedA = Convert.FromBase64String(a.Export()[5..])[..32];
        var publicB = Convert.FromBase64String(b.Export()[5..])[32..];
        var spliced = "whsk_" + Convert.ToBase64String([.. seedA, .. publicB]);
        Assert.False(StandardWebhookSecret.TryParse(spliced, out _, out var error));
        Assert.Contains("does not match", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_BareBase64Key_IsReadAsWhsec()
    {
        Assert.True(StandardWebhookSecret.TryParse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", out var secret, out _));
        Assert.Equal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", secret.Export());
    }

    [Theory]
    [InlineData(24)]
    [InlineData(32)]
    [InlineData(64)]
    public void GenerateSymmetric_ValidLength_RoundTripsThroughParse(int length)
    {
        using var secret = StandardWebhookSecret.GenerateSymmetric(length);
        Assert.StartsWith("whsec_", secret.Export(), StringComparison.Ordinal);
        Assert.Equal(length, Convert.FromBase64String(secret.Export()[6..]).Length);
        Assert.Equal(StandardWebhookSecretKind.Symmetric, StandardWebhookSecret.Parse(secret.Export()).Kind);
    }

    [Theory]
    [InlineData(23)]
    [InlineData(65)]
    public void GenerateSymmetric_LengthOutOfRange_Throws(int length) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => StandardWebhookSecret.GenerateSymmetric(length));

    [Fact]
    public void GenerateEd25519_SignsV1aThatItsPublicKeyVerifies()
    {
        using var secretKey = StandardWebhookSecret.GenerateEd25519();
        var publicKey = secretKey.GetPublicKey();
        Assert.Equal(StandardWebhookSecretKind.Ed25519PublicKey, publicKey.Kind);
        Assert.False(publicKey.CanSign);
        using var reparsed = StandardWebhookSecret.Parse(secretKey.Export());
        var signature = StandardWebhookSignature.Sign("msg_1", 1700000000, Utf8("{}"), reparsed);
        Assert.StartsWith("v1a,", signature, StringComparison.Ordinal);
        var result = new StandardWebhookVerifier(publicKey, timeProvider: At(1700000000)).Verify(Request("{}", ("webhook-id", "msg_1"), ("webhook-timestamp", "1700000000"), ("webhook-signature", signature)));
        AssertValid(result);
    }

    [Fact]
    public void ToString_Secrets_NeverShowKeyMaterial()
    {
        using var symmetric = StandardWebhookSecret.GenerateSymmetric();
        using var secretKey = StandardWebhookSecret.GenerateEd25519();
        Assert.DoesNotContain(symmetric.Export()[6..], symmetric.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secretKey.Export()[5..], secretKey.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_MixedSecrets_OneSignaturePerSecretInOrder()
    {
        using var a = StandardWebhookSecret.GenerateSymmetric();
        using var b = StandardWebhookSecret.GenerateEd25519();
        using var c = StandardWebhookSecret.GenerateSymmetric(64);
        var header = StandardWebhookSignature.Sign("msg_1", 1700000000, Utf8("{}"), a, b, c);
        var parts = header.Split(' ');
        Assert.Equal(3, parts.Length);
        Assert.StartsWith("v1,", parts[0], StringComparison.Ordinal);
        Assert.StartsWith("v1a,", parts[1], StringComparison.Ordinal);
        Assert.StartsWith("v1,", parts[2], StringComparison.Ordinal);
        foreach (var secret in new[] { a, b.GetPublicKey(), c })
        {
            AssertValid(new StandardWebhookVerifier(secret, timeProvider: At(1700000000))
                .Verify(Request("{}", ("webhook-id", "msg_1"), ("webhook-timestamp", "1700000000"), ("webhook-signature", header))));
        }
    }

    [Fact]
    public void Sign_WithPublicKey_Throws()
    {
        using var key = StandardWebhookSecret.GenerateEd25519();
        Assert.Throws<ArgumentException>(() => StandardWebhookSignature.Sign("msg_1", 1, Utf8("{}"), key.GetPublicKey()));
    }

    [Fact]
    public void Sign_NoSecrets_Throws() => Assert.Throws<ArgumentException>(() => StandardWebhookSignature.Sign("msg_1", 1, Utf8("{}")));
}
