using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Receiver.AspNetCore.Internal;

/// <summary>
/// Calls a handler delegate the way minimal APIs call route handlers: each parameter is bound by its
/// type — the <see cref="WebhookEvent"/>, the <see cref="CancellationToken"/>, the scope's
/// <see cref="IServiceProvider"/>, a keyed service (<c>[FromKeyedServices]</c>), or any other service
/// from the run's DI scope. The binding is worked out once, when the handler is mapped, and a
/// parameter that no service can fill fails the mapping rather than every run.
/// </summary>
internal sealed class HandlerInvoker
{
    private readonly Func<IServiceProvider, WebhookEvent, CancellationToken, object?[]> _arguments;
    private readonly Func<object?[], Task> _call;

    private HandlerInvoker(Func<IServiceProvider, WebhookEvent, CancellationToken, object?[]> arguments, Func<object?[], Task> call)
    {
        _arguments = arguments;
        _call = call;
    }

    public Task InvokeAsync(WebhookEvent webhookEvent, IServiceProvider services, CancellationToken cancellationToken) =>
        _call(_arguments(services, webhookEvent, cancellationToken));

    public static HandlerInvoker ForType<THandler>()
        where THandler : class, IWebhookHandler =>
        new((services, e, ct) => [ActivatorUtilities.GetServiceOrCreateInstance<THandler>(services), e, ct],
            args => ((THandler)args[0]!).HandleAsync((WebhookEvent)args[1]!, (CancellationToken)args[2]!));

    public static HandlerInvoker ForDelegate(Delegate handler, IServiceProviderIsService? isService)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var method = handler.Method;
        var binders = method.GetParameters().Select(p => Bind(p, isService, method)).ToArray();
        var awaiter = Awaiter(method);
        var target = handler.Target;
        return new HandlerInvoker(
            (services, e, ct) =>
            {
                var args = new object?[binders.Length];
                for (var i = 0; i < binders.Length; i++)
                {
                    args[i] = binders[i](services, e, ct);
                }
                return args;
            },
            args => awaiter(method.Invoke(target, BindingFlags.DoNotWrapExceptions, binder: null, args, culture: null)));
    }

    private static Func<IServiceProvider, WebhookEvent, CancellationToken, object?> Bind(ParameterInfo parameter, IServiceProviderIsService? isService, MethodInfo method)
    {
        var type = parameter.ParameterType;
        if (type == typeof(WebhookEvent))
        {
            return (_, e, _) => e;
        }
        if (type == typeof(CancellationToken))
        {
            return (_, _, ct) => ct;
        }
        if (type == typeof(IServiceProvider))
        {
            return (services, _, _) => services;
        }
        var optional = parameter.HasDefaultValue || IsNullable(parameter);
        if (parameter.GetCustomAttribute<FromKeyedServicesAttribute>() is { } keyed)
        {
            return optional
                ? (services, _, _) => services is IKeyedServiceProvider k ? k.GetKeyedService(type, keyed.Key) : null
                : (services, _, _) => services.GetRequiredKeyedService(type, keyed.Key);
        }
        if (optional)
        {
            var fallback = parameter.HasDefaultValue ? parameter.DefaultValue : null;
            return (services, _, _) => services.GetService(type) ?? fallback;
        }
        if (isService is not null && !isService.IsService(type))
        {
            throw new InvalidOperationException(
                $"The webhook handler {method.Name} has a parameter '{parameter.Name}' of type {type} that is not a registered service. " +
                "Handler parameters can be WebhookEvent, CancellationToken, IServiceProvider or a registered service.");
        }
        return (services, _, _) => services.GetRequiredService(type);
    }

    private static bool IsNullable(ParameterInfo parameter) =>
        Nullable.GetUnderlyingType(parameter.ParameterType) is not null
        || new NullabilityInfoContext().Create(parameter).WriteState == NullabilityState.Nullable;

    private static Func<object?, Task> Awaiter(MethodInfo method)
    {
        var type = method.ReturnType;
        if (type == typeof(void))
        {
            return _ => Task.CompletedTask;
        }
        if (typeof(Task).IsAssignableFrom(type))
        {
            return result => (Task)result!;
        }
        if (type == typeof(ValueTask))
        {
            return result => ((ValueTask)result!).AsTask();
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            var asTask = type.GetMethod(nameof(ValueTask<int>.AsTask))!;
            return result => (Task)asTask.Invoke(result, null)!;
        }
        throw new InvalidOperationException(
            $"The webhook handler {method.Name} returns {type}; a handler returns void, Task, Task<T>, ValueTask or ValueTask<T>.");
    }
}
