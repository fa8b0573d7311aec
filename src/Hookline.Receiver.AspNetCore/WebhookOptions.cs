namespace Hookline.Receiver.AspNetCore;

/// <summary>
/// Options of one webhook endpoint mapped with <c>MapWebhook</c>: its name, the verifier's secret and
/// configuration, and limits.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>
    /// Gets or sets the webhook's name: the inbox key together with the delivery id, so it must stay
    /// the same across deployments and be unique within the app.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the route pattern (for example <c>/webhooks/stripe</c>) is used.</value>
    public string? Name { get; set; }

    /// <summary>
    /// Gets or sets the secret, exactly as the provider shows it (Stripe <c>whsec_…</c>, GitHub's
    /// webhook secret, Svix <c>whsec_…</c>, Slack's signing secret, …). Shorthand for
    /// <c>Config["secret"]</c>; public-key schemes (Discord, SendGrid) set <c>Config["publicKey"]</c> instead.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Secret { get; set; }

    /// <summary>
    /// Gets the verifier configuration, with the keys of the verifier type as listed by
    /// <c>WebhookVerifiers.Describe(type).ConfigKeys</c>, for example <c>toleranceSeconds</c>,
    /// <c>allowSha1</c> (GitHub), <c>notificationUrl</c> (Square), or the <c>hmac</c> type's
    /// <c>header</c>, <c>algorithm</c>, <c>encoding</c>, <c>prefix</c>.
    /// </summary>
    public IDictionary<string, string?> Config { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets the public URL the provider calls, for schemes that sign the URL (Twilio, Square)
    /// when the app runs behind a proxy that changes scheme, host or path.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the URL of the incoming request is used.</value>
    public Uri? PublicUrl { get; set; }

    /// <summary>Gets or sets the largest accepted body for this webhook; larger requests get 413.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="HooklineReceiverOptions.MaxBodyBytes"/> applies.</value>
    public long? MaxBodyBytes { get; set; }
}
