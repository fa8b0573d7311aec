using Hookline.Signatures.Providers;
using Hookline.Signatures.StandardWebhooks;
using Microsoft.AspNetCore.Http;
using static Hookline.Signatures.Tests.TestRequests;

namespace Hookline.Signatures.Tests.Oracles;

/// <summary>Cross-checks against the StandardWebhooks and Stripe.net NuGet packages, both directions.</summary>
public sealed class NuGetOracleTests
{
    private const string Payload = "{\"id\":\"evt_nuget\",\"object\":\"event\",\"type\":\"charge.succeeded\",\"data\":{\"object\":{\"amount\":4200}},\"api_version\":\"2024-06-20\"}";

    [Fact]
    public void StandardWebhooksPackage_TheirSignature_OurVerifierAccepts()
    {
        using var secret = StandardWebhookSecret.GenerateSymmetric(32);
        var theirs = new global::StandardWebhooks.StandardWebhook(secret.Export());
        var timestamp = DateTimeOffset.FromUnixTimeSeconds(1700000000);
        var signature = theirs.Sign("msg_nuget", timestamp, Payload);
        var result = new StandardWebhookVerifier(secret, timeProvider: At(1700000000))
            .Verify(Request(Payload, ("webhook-id", "msg_nuget"), ("webhook-timestamp", "1700000000"), ("webhook-signature", signature)));
        AssertValid(result);
    }

    [Fact]
    public void StandardWebhooksPackage_OurSignature_TheirVerifierAccepts()
    {
        using var secret = StandardWebhookSecret.GenerateSymmetric();
        var now = DateTimeOffset.UtcNow;
        var signature = StandardWebhookSignature.Sign("msg_ours", now, Utf8(Payload), secret);
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = "msg_ours",
            ["webhook-timestamp"] = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["webhook-signature"] = signature,
        };
        new global::StandardWebhooks.StandardWebhook(secret.Export()).Verify(Payload, headers); // throws on mismatch
    }

    [Fact]
    public void StandardWebhooksPackage_OurSignatureForOtherBody_TheirVerifierRejects()
    {
        using var secret = StandardWebhookSecret.GenerateSymmetric();
        var now = DateTimeOffset.UtcNow;
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = "msg_ours",
            ["webhook-timestamp"] = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["webhook-signature"] = StandardWebhookSignature.Sign("msg_ours", now, Utf8("{}"), secret),
        };
        Assert.ThrowsAny<Exception>(() => new global::StandardWebhooks.StandardWebhook(secret.Export()).Verify(Payload, headers));
    }

    [Fact]
    public void StripeNet_TheirHeader_OurVerifierAccepts()
    {
        const string secret = "whsec_stripe_dotnet_oracle";
        var header = Stripe.EventUtility.GenerateSignatureHeader(Payload, secret, 1700000000);
        var result = StripeWebhooks.CreateVerifier(secret, timeProvider: At(1700000000)).Verify(Request(Payload, ("Stripe-Signature", header)));
        AssertValid(result);
        Assert.Equal("evt_nuget", result.DeliveryId);
    }

    [Fact]
    public void StripeNet_OurHeader_TheirValidateSignatureAccepts()
    {
        const string secret = "whsec_stripe_dotnet_oracle";
        var header = StripeWebhooks.CreateSigner(secret, At(1700000000)).Sign(Utf8(Payload))[0].Value;
        Stripe.EventUtility.ValidateSignature(Payload, header, secret, 300, 1700000000); // throws on mismatch
    }

    [Fact]
    public void StripeNet_OurHeaderAtToleranceEdges_AgreesWithTheirs()
    {
        const string secret = "whsec_stripe_dotnet_oracle";
        var header = StripeWebhooks.ComputeHeader(secret, 1700000000, Utf8(Payload));
        foreach (var now in new long[] { 1700000300, 1700000301, 1699999700, 1699999699 })
        {
            var ours = StripeWebhooks.CreateVerifier(secret, timeProvider: At(now)).Verify(Request(Payload, ("Stripe-Signature", header))).IsValid;
            bool theirs;
            try
            {
                Stripe.EventUtility.ValidateSignature(Payload, header, secret, 300, now);
                theirs = true;
            }
            catch (Stripe.StripeException)
            {
                theirs = false;
            }

            Assert.True(ours == theirs, $"now={now}: ours={ours}, Stripe.net={theirs}");
        }
    }
}
