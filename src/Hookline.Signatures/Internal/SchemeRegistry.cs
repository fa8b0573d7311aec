using Hookline.Signatures.Providers;
using Hookline.Signatures.StandardWebhooks;

namespace Hookline.Signatures.Internal;

/// <summary>One registered type: its description and how to build a verifier and a signer from config.</summary>
internal sealed record SchemeEntry(
    WebhookSchemeInfo Info,
    Func<ConfigReader, TimeProvider?, Func<IWebhookVerifier>?> Verifier,
    Func<ConfigReader, TimeProvider?, Func<IWebhookSigner>?>? Signer);

/// <summary>
/// The table of verifier types. Each factory reads its config through a <see cref="ConfigReader"/>
/// (collecting every problem) and returns a constructor to call only when there were none, so
/// validation and creation share one code path and creation never throws for bad config.
/// </summary>
internal static class SchemeRegistry
{
    private static readonly ConfigKeyInfo Secret = new("secret", true, "The shared secret, exactly as the provider shows it.");

    public static IReadOnlyList<SchemeEntry> Entries { get; } = Build();

    public static SchemeEntry? Find(string? type)
    {
        if (string.IsNullOrEmpty(type))
        {
            return null;
        }

        foreach (var entry in Entries)
        {
            if (string.Equals(entry.Info.Type, type, StringComparison.OrdinalIgnoreCase))
            {
                return entry;
            }
        }

        return null;
    }

    private static ConfigKeyInfo ToleranceKey(string @default) => new("toleranceSeconds", false, $"Allowed clock difference in seconds, both directions. Default: {@default}.");

    private static List<SchemeEntry> Build()
    {
        var svixKeys = new[] { new ConfigKeyInfo("secret", true, "One or more space-separated secrets: 'whsec_…' (v1, HMAC), 'whpk_…' or 'whsk_…' (v1a, Ed25519)."), ToleranceKey("300") };
        SchemeEntry Svix(string type, string? aliasOf) => new(
            new WebhookSchemeInfo(type, "Standard Webhooks / Svix: webhook-id, webhook-timestamp, webhook-signature (v1 HMAC-SHA256, v1a Ed25519); svix-* headers accepted.", svixKeys, true, aliasOf),
            (c, t) =>
            {
                var secrets = ParseStandardSecrets(c, requireSigning: false);
                var tolerance = c.Tolerance(StandardWebhookVerifier.DefaultTolerance);
                return c.Ok ? () => new StandardWebhookVerifier(secrets, tolerance, t, type) : null;
            },
            (c, t) =>
            {
                var secrets = ParseStandardSecrets(c, requireSigning: true);
                return c.Ok ? () => new StandardWebhookSigner(secrets, t, type) : null;
            });

        return
        [
            new(
                new("generic-webhook", "No verification at all: every request is accepted. Choose it only on purpose.", [], false),
                (c, t) => () => NoVerification.Instance,
                null),
            Svix("svix", null),
            Svix("standard-webhooks", "svix"),
            Simple("stripe", "Stripe: Stripe-Signature t=…,v1=… (HMAC-SHA256 of '{t}.{body}'), event id from the body.", "300", StripeWebhooks.CheckSecret,
                (s, tol, t) => StripeWebhooks.CreateVerifier(s, tol, t), (s, t) => StripeWebhooks.CreateSigner(s, t)),
            new(
                new("github", "GitHub: X-Hub-Signature-256 sha256=<hex> (falls back to X-Hub-Signature sha1=), X-GitHub-Delivery.", [Secret, new("allowSha1", false, "Accept the legacy SHA-1 header when the SHA-256 one is absent. Default: true.")], true),
                (c, t) =>
                {
                    var secret = c.Secret();
                    var allowSha1 = c.Bool("allowSha1", true);
                    return c.Ok ? () => GitHubWebhooks.CreateVerifier(secret, allowSha1) : null;
                },
                (c, t) =>
                {
                    var secret = c.Secret();
                    c.Bool("allowSha1", true);
                    return c.Ok ? () => GitHubWebhooks.CreateSigner(secret) : null;
                }),
            NoTolerance("shopify", "Shopify: X-Shopify-Hmac-Sha256 base64(HMAC-SHA256(body)), X-Shopify-Webhook-Id.", null, ShopifyWebhooks.CreateVerifier, ShopifyWebhooks.CreateSigner),
            Simple("slack", "Slack: X-Slack-Signature v0=<hex> of 'v0:{ts}:{body}', X-Slack-Request-Timestamp; answers url_verification.", "300", SlackWebhooks.CheckSecret,
                (s, tol, t) => SlackWebhooks.CreateVerifier(s, tol, t), (s, t) => SlackWebhooks.CreateSigner(s, t)),
            Simple("zoom", "Zoom: x-zm-signature v0=<hex> of 'v0:{ts}:{body}', x-zm-request-timestamp; answers endpoint.url_validation.", "300", null,
                (s, tol, t) => ZoomWebhooks.CreateVerifier(s, tol, t), (s, t) => ZoomWebhooks.CreateSigner(s, t)),
            NoTolerance("twilio", "Twilio: X-Twilio-Signature base64(HMAC-SHA1(URL + sorted form parameters)); JSON bodies via bodySHA256. Needs the public URL.", TwilioWebhooks.CheckSecret, TwilioWebhooks.CreateVerifier, TwilioWebhooks.CreateSigner),
            Simple("paddle", "Paddle Billing: Paddle-Signature ts=…;h1=<hex> of '{ts}:{body}'.", "5", null,
                (s, tol, t) => PaddleWebhooks.CreateVerifier(s, tol, t), (s, t) => PaddleWebhooks.CreateSigner(s, t)),
            new(
                new("square", "Square: x-square-hmacsha256-signature base64(HMAC-SHA256(notification URL + body)). Needs the public URL.", [Secret, new("notificationUrl", false, "The notification URL exactly as configured in Square. Default: the request URL.")], true),
                (c, t) =>
                {
                    var secret = c.Secret();
                    var url = c.Optional("notificationUrl");
                    if (url is not null && !Uri.TryCreate(url, UriKind.Absolute, out _))
                    {
                        c.Error("notificationUrl", "Must be an absolute URL.");
                    }

                    return c.Ok ? () => SquareWebhooks.CreateVerifier(secret, url) : null;
                },
                (c, t) =>
                {
                    var secret = c.Secret();
                    c.Optional("notificationUrl");
                    return c.Ok ? () => SquareWebhooks.CreateSigner(secret) : null;
                }),
            Simple("mailgun", "Mailgun: signature {timestamp, token, signature} in the body, hex(HMAC-SHA256(timestamp + token)); token is the delivery id.", "300", null,
                (s, tol, t) => MailgunWebhooks.CreateVerifier(s, tol, t), null),
            PublicKey("discord", "Discord interactions: X-Signature-Ed25519 over X-Signature-Timestamp + body; answers PING.", "the application's public key, 64 hex characters",
                (k, tol, t) => DiscordWebhooks.ParsePublicKey(k, out var e) is null ? e : null,
                (k, tol, t) => DiscordWebhooks.CreateVerifier(k, tol, t), "the Ed25519 private key seed, 64 hex characters", (k, t) => DiscordWebhooks.CreateSigner(k, t)),
            Simple("twitch", "Twitch EventSub: Twitch-Eventsub-Message-Signature sha256=<hex> of id + timestamp + body; answers webhook_callback_verification.", "600", null,
                (s, tol, t) => TwitchWebhooks.CreateVerifier(s, tol, t), (s, t) => TwitchWebhooks.CreateSigner(s, t)),
            Simple("linear", "Linear: Linear-Signature hex(HMAC-SHA256(body)), webhookTimestamp (ms) in the body, Linear-Delivery.", "60", null,
                (s, tol, t) => LinearWebhooks.CreateVerifier(s, tol, t), (s, t) => LinearWebhooks.CreateSigner(s)),
            PublicKey("sendgrid", "SendGrid Event Webhook: ECDSA P-256 (DER, base64) over timestamp + body.", "the verification key, base64 SubjectPublicKeyInfo",
                (k, tol, t) => SendGridWebhooks.ParsePublicKey(k, out var e) is null ? e : null,
                (k, tol, t) => SendGridWebhooks.CreateVerifier(k, tol, t), "the P-256 private key, base64 PKCS#8", (k, t) => SendGridWebhooks.CreateSigner(k, t)),
            NoTolerance("gitlab", "GitLab: X-Gitlab-Token equals the secret token (constant-time); Idempotency-Key.", null, GitLabWebhooks.CreateVerifier, GitLabWebhooks.CreateSigner),
            NoTolerance("intercom", "Intercom: X-Hub-Signature sha1=<hex HMAC-SHA1(body)> with the client secret.", null, IntercomWebhooks.CreateVerifier, IntercomWebhooks.CreateSigner),
            NoTolerance("bitbucket", "Bitbucket: X-Hub-Signature sha256=<hex HMAC-SHA256(body)>, X-Request-UUID.", null, BitbucketWebhooks.CreateVerifier, BitbucketWebhooks.CreateSigner),
            new(
                new("hmac", "A configurable HMAC: header, prefix, algorithm, encoding and signed-content template.", HmacConfig.Keys, true),
                (c, t) =>
                {
                    var options = HmacConfig.Read(c);
                    return c.Ok && options is not null ? () => HmacWebhooks.CreateVerifier(options, t) : null;
                },
                (c, t) =>
                {
                    var options = HmacConfig.Read(c);
                    return c.Ok && options is not null ? () => HmacWebhooks.CreateSigner(options, t) : null;
                }),
        ];
    }

    private static SchemeEntry Simple(
        string type,
        string description,
        string defaultTolerance,
        Func<string, string?>? check,
        Func<string, TimeSpan?, TimeProvider?, IWebhookVerifier> verifier,
        Func<string, TimeProvider?, IWebhookSigner>? signer) => new(
            new(type, description, [Secret, ToleranceKey(defaultTolerance)], signer is not null),
            (c, t) =>
            {
                var secret = CheckedSecret(c, check);
                var tolerance = c.Tolerance(null);
                return c.Ok ? () => verifier(secret, tolerance, t) : null;
            },
            signer is null ? null : (c, t) =>
            {
                var secret = CheckedSecret(c, check);
                c.Tolerance(null);
                return c.Ok ? () => signer(secret, t) : null;
            });

    private static SchemeEntry NoTolerance(
        string type,
        string description,
        Func<string, string?>? check,
        Func<string, IWebhookVerifier> verifier,
        Func<string, IWebhookSigner> signer) => new(
            new(type, description, [Secret], true),
            (c, t) =>
            {
                var secret = CheckedSecret(c, check);
                return c.Ok ? () => verifier(secret) : null;
            },
            (c, t) =>
            {
                var secret = CheckedSecret(c, check);
                return c.Ok ? () => signer(secret) : null;
            });

    private static SchemeEntry PublicKey(
        string type,
        string description,
        string keyDescription,
        Func<string, TimeSpan?, TimeProvider?, string?> check,
        Func<string, TimeSpan?, TimeProvider?, IWebhookVerifier> verifier,
        string privateKeyDescription,
        Func<string, TimeProvider?, IWebhookSigner> signer) => new(
            new(type, description, [new("publicKey", true, $"The provider's public key: {keyDescription}."), ToleranceKey("none (the provider documents no window)")], true),
            (c, t) =>
            {
                var key = c.Required("publicKey", "public key");
                var tolerance = c.Tolerance(null);
                if (c.Ok && check(key, tolerance, t) is { } error)
                {
                    c.Error("publicKey", error);
                }

                return c.Ok ? () => verifier(key, tolerance, t) : null;
            },
            (c, t) =>
            {
                var key = c.Required("privateKey", $"private key ({privateKeyDescription})");
                c.Tolerance(null);
                if (!c.Ok)
                {
                    return null;
                }

                try
                {
                    var created = signer(key, t);
                    return () => created;
                }
                catch (ArgumentException e)
                {
                    c.Error("privateKey", e.Message);
                    return null;
                }
            });

    private static string CheckedSecret(ConfigReader c, Func<string, string?>? check)
    {
        var secret = c.Secret();
        if (secret.Length > 0 && check?.Invoke(secret) is { } error)
        {
            c.Error("secret", error);
        }

        return secret;
    }

    private static List<StandardWebhookSecret> ParseStandardSecrets(ConfigReader c, bool requireSigning)
    {
        var list = new List<StandardWebhookSecret>();
        var text = c.Optional("secret");
        if (string.IsNullOrWhiteSpace(text))
        {
            c.Error("secret", "At least one secret ('whsec_…', 'whpk_…' or 'whsk_…') is required.");
            return list;
        }

        var index = 0;
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            index++;
            if (!StandardWebhookSecret.TryParse(part, out var secret, out var error))
            {
                c.Error("secret", text.Contains(' ', StringComparison.Ordinal) ? $"Secret #{index}: {error}" : error);
            }
            else if (requireSigning && !secret.CanSign)
            {
                c.Error("secret", $"Secret #{index} is a public key ('whpk_'), which cannot sign; give the 'whsk_' secret key.");
            }
            else
            {
                list.Add(secret);
            }
        }

        return list;
    }
}
