using Hookline.Receiver.AspNetCore.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Receiver.AspNetCore;

/// <summary>
/// What <c>MapWebhook</c> returns: the endpoint's conventions (<c>RequireHost</c>, <c>WithName</c>,
/// rate limiting, …) and <see cref="Handle(Delegate)"/>, which says what runs for each stored event.
/// </summary>
public sealed class WebhookEndpointBuilder : IEndpointConventionBuilder
{
    private readonly IEndpointConventionBuilder _inner;
    private readonly WebhookDefinition _definition;
    private readonly IServiceProvider _services;

    internal WebhookEndpointBuilder(IEndpointConventionBuilder inner, WebhookDefinition definition, IServiceProvider services)
    {
        _inner = inner;
        _definition = definition;
        _services = services;
    }

    /// <summary>The webhook's name: with the delivery id, the inbox key.</summary>
    public string Name => _definition.Name;

    /// <summary>
    /// Sets the handler. Its parameters are bound by type for every run: <see cref="WebhookEvent"/>,
    /// <see cref="CancellationToken"/> (cancelled at the handler timeout and on shutdown),
    /// <see cref="IServiceProvider"/>, <c>[FromKeyedServices]</c> services and any other service, from
    /// a DI scope of the run's own. It may return <c>void</c>, <see cref="Task"/> or <see cref="ValueTask"/>.
    /// Throwing fails the attempt; it is retried with backoff and dead-lettered after the last one.
    /// </summary>
    /// <param name="handler">For example <c>async (WebhookEvent e, IOrderService orders, CancellationToken ct) =&gt; …</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="InvalidOperationException">A handler is set already, a parameter is not a service, or the return type is not awaitable.</exception>
    public WebhookEndpointBuilder Handle(Delegate handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return SetHandler(HandlerInvoker.ForDelegate(handler, _services.GetService<IServiceProviderIsService>()));
    }

    /// <summary>Sets a handler class, resolved from the run's DI scope (or created with its constructor's services when not registered).</summary>
    /// <typeparam name="THandler">The handler type.</typeparam>
    /// <returns>This builder.</returns>
    /// <exception cref="InvalidOperationException">A handler is set already.</exception>
    public WebhookEndpointBuilder Handle<THandler>()
        where THandler : class, IWebhookHandler => SetHandler(HandlerInvoker.ForType<THandler>());

    /// <inheritdoc />
    public void Add(Action<EndpointBuilder> convention) => _inner.Add(convention);

    /// <inheritdoc />
    public void Finally(Action<EndpointBuilder> finallyConvention) => _inner.Finally(finallyConvention);

    private WebhookEndpointBuilder SetHandler(HandlerInvoker invoker)
    {
        if (_definition.Handler is not null)
        {
            throw new InvalidOperationException($"The webhook '{_definition.Name}' has a handler already; a webhook has one handler.");
        }
        _definition.Handler = invoker;
        return this;
    }
}
