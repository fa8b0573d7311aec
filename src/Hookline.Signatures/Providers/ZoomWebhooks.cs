using System.Text;
using System.Text.Json;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>
/// Zoom: <c>x-zm-signature: v0=&lt;hex HMAC-SHA256(secret token, "v0:{ts}:{body}")&gt;</c> with
/// <c>x-zm-request-timestamp</c>, 5 minutes tolerance. A verified <c>endpoint.url_validation</c>
/// is answered with <c>{plainToken, encryptedToken: hex(HMAC-SHA256(secret token, plainToken))}</c>.
/// Zoom sends no delivery id.
/// </summary>
public static class ZoomWebhooks
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "x-zm-signature";

    /// <summary>The timestamp header.</summary>
    public const string TimestampHeader = "x-zm-request-timestamp";

    /// <summary>The default tolerance: 5 minutes.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>Creates a verifier.</summary>
    /// <param name="secretToken">The app's webhook secret token.</param>
    /// <param name="tolerance">Allowed clock difference; <see cref="DefaultTolerance"/> when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string secretToken, TimeSpan? tolerance = null, TimeProvider? timeProvider = null)
    {
        var key = Encoding.UTF8.GetBytes(SecretRules.Require(secretToken, "Zoom secret token", nameof(secretToken)));
        return new HmacSchemeVerifier(Scheme(key, tolerance), key, timeProvider);
    }

    /// <summary>Creates a signer.</summary>
    /// <param name="secretToken">The secret token.</param>
    /// <param name="timeProvider">The clock for the timestamp.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string secretToken, TimeProvider? timeProvider = null)
    {
        var key = Encoding.UTF8.GetBytes(SecretRules.Require(secretToken, "Zoom secret token", nameof(secretToken)));
        return new HmacSchemeSigner(Scheme(key, null), key, timeProvider);
    }

    /// <summary>The <c>encryptedToken</c> Zoom expects for a <c>plainToken</c>: hex(HMAC-SHA256(secret token, plainToken)).</summary>
    /// <param name="secretToken">The secret token.</param>
    /// <param name="plainToken">The plain token from the validation request.</param>
    /// <returns>The lower-case hex token.</returns>
    public static string EncryptToken(string secretToken, string plainToken)
    {
        ArgumentNullException.ThrowIfNull(secretToken);
        ArgumentNullException.ThrowIfNull(plainToken);
        return Mac.ComputeHex(HmacAlgorithm.Sha256, Encoding.UTF8.GetBytes(secretToken), Encoding.UTF8.GetBytes(plainToken));
    }

    internal static HmacScheme Scheme(byte[] key, TimeSpan? tolerance) => new()
    {
        Type = "zoom",
        Provider = "Zoom",
        SignatureHeader = SignatureHeader,
        Prefix = "v0=",
        Template = SignedTemplate.Parse("v0:{timestamp}:{body}", out _),
        TimestampHeader = TimestampHeader,
        TimestampFormat = TimestampFormat.UnixSecondsOrMilliseconds,
        Tolerance = tolerance ?? DefaultTolerance,
        Handshake = request => UrlValidation(key, request),
    };

    private static HandshakeResponse? UrlValidation(byte[] key, WebhookRequest request)
    {
        var body = request.Body.Span;
        if (JsonPeek.GetScalar(body, "event") != "endpoint.url_validation" || JsonPeek.GetScalar(body, "plainToken", parent: "payload") is not { } plainToken)
        {
            return null;
        }

        var encrypted = Mac.ComputeHex(HmacAlgorithm.Sha256, key, Encoding.UTF8.GetBytes(plainToken));
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("plainToken", plainToken);
            writer.WriteString("encryptedToken", encrypted);
            writer.WriteEndObject();
        }

        return new HandshakeResponse(200, "application/json", Encoding.UTF8.GetString(stream.ToArray()));
    }
}
