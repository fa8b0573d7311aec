using System.Diagnostics.CodeAnalysis;
using Hookline.Receiver.AspNetCore;
using Hookline.Receiver.AspNetCore.Internal;
using Hookline.Signatures;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps webhook endpoints that feed the inbox, and the inbox's admin endpoints.</summary>
public static class WebhookEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST <paramref name="pattern"/></c> as a webhook endpoint: the body size is checked
    /// (413), the signature verified with the <paramref name="type"/> verifier (401 with a short reason;
    /// provider handshakes such as Slack <c>url_verification</c> are answered), and the request is
    /// stored in the inbox, deduplicated by delivery id, before 200 is sent. The handler set with
    /// <see cref="WebhookEndpointBuilder.Handle(Delegate)"/> then runs in the background.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="pattern">The route, for example <c>/webhooks/stripe</c>.</param>
    /// <param name="type">
    /// The verifier type: <c>stripe</c>, <c>github</c>, <c>svix</c> / <c>standard-webhooks</c>, <c>shopify</c>,
    /// <c>slack</c>, <c>twilio</c>, <c>zoom</c>, <c>paddle</c>, <c>square</c>, <c>discord</c>, <c>twitch</c>,
    /// <c>linear</c>, <c>sendgrid</c>, <c>gitlab</c>, <c>intercom</c>, <c>bitbucket</c>, <c>mailgun</c>,
    /// <c>hmac</c>, or <c>generic-webhook</c> (no verification). See <c>WebhookVerifiers.KnownTypes</c>.
    /// </param>
    /// <param name="configure">Sets the secret, verifier config, name and limits.</param>
    /// <returns>A builder to set the handler and endpoint conventions on.</returns>
    /// <exception cref="WebhookConfigurationException">The type is unknown or its configuration is invalid (a missing secret, say).</exception>
    /// <exception cref="InvalidOperationException"><c>AddHooklineReceiver</c> was not called, or the name is taken.</exception>
    public static WebhookEndpointBuilder MapWebhook(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern, string type, Action<WebhookOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentException.ThrowIfNullOrEmpty(type);
        var services = endpoints.ServiceProvider;
        var registry = services.GetService<WebhookRegistry>()
            ?? throw new InvalidOperationException("Call services.AddHooklineReceiver(…) before MapWebhook.");
        var options = new WebhookOptions();
        configure?.Invoke(options);
        var config = new Dictionary<string, string?>(options.Config, StringComparer.Ordinal);
        if (options.Secret is not null)
        {
            config["secret"] = options.Secret;
        }
        var time = services.GetRequiredService<TimeProvider>();
        var verifier = WebhookVerifiers.Create(type, config, time);
        var receiverOptions = services.GetRequiredService<IOptions<HooklineReceiverOptions>>().Value;
        var definition = new WebhookDefinition(
            string.IsNullOrEmpty(options.Name) ? pattern : options.Name,
            pattern,
            verifier,
            options.PublicUrl,
            options.MaxBodyBytes ?? receiverOptions.MaxBodyBytes);
        registry.Add(definition);
        var receiver = new WebhookReceiver(
            definition,
            services.GetRequiredService<InboxStoreHolder>(),
            services.GetRequiredService<InboxSignal>(),
            time,
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Hookline.Receiver.AspNetCore.Webhook"));
        var endpoint = endpoints.MapPost(pattern, receiver.HandleAsync).WithDisplayName($"Webhook {definition.Name} ({verifier.Type})");
        return new WebhookEndpointBuilder(endpoint, definition, services);
    }

    /// <summary>
    /// Maps the inbox's admin endpoints under <paramref name="prefix"/>: <c>GET /</c> (list;
    /// <c>?status=dead&amp;webhook=…&amp;limit=…&amp;iterator=…</c>), <c>GET /counts</c>, <c>GET /{id}</c>,
    /// <c>POST /{id}/requeue</c> and <c>POST /requeue</c> (every dead letter; <c>?webhook=…</c>).
    /// They are not protected: add <c>.RequireAuthorization(…)</c> to what this returns.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="prefix">The route prefix, for example <c>/admin/inbox</c>.</param>
    /// <returns>The route group, to protect with <c>RequireAuthorization</c>.</returns>
    public static RouteGroupBuilder MapWebhookInbox(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string prefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return InboxAdminApi.Map(endpoints.MapGroup(prefix));
    }
}
