using Hookline.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hookline.Receiver.AspNetCore.Internal;

/// <summary>
/// Checks <see cref="HooklineReceiverOptions"/> at startup. Hand-written rather than an
/// <c>[OptionsValidator]</c> over attributes because the important rules relate two values (the lease
/// must outlast the handler timeout; the retry cap must not undercut the first delay).
/// </summary>
/// <remarks>
/// It also checks that an inbox store is registered (the options no longer choose one), so that an app
/// that forgot, or upgraded from <c>o.UseSqlite(…)</c>, is told at startup with every other problem.
/// </remarks>
internal sealed class ReceiverOptionsValidator : IValidateOptions<HooklineReceiverOptions>
{
    private readonly IServiceProviderIsService _services;

    public ReceiverOptionsValidator(IServiceProviderIsService services)
    {
        _services = services;
    }

    public ValidateOptionsResult Validate(string? name, HooklineReceiverOptions options)
    {
        var errors = new List<string>(options.BindingErrors);
        if (!_services.IsService(typeof(IInboxStore)))
        {
            errors.Add(InboxStoreHolder.NoStoreMessage);
        }
        if (options.MaxAttempts < 1)
        {
            errors.Add("MaxAttempts must be at least 1.");
        }
        if (options.RetryDelay <= TimeSpan.Zero)
        {
            errors.Add("RetryDelay must be positive.");
        }
        if (options.MaxRetryDelay < options.RetryDelay)
        {
            errors.Add("MaxRetryDelay must not be shorter than RetryDelay.");
        }
        if (options.RetryJitter is < 0 or >= 1 || double.IsNaN(options.RetryJitter))
        {
            errors.Add("RetryJitter must be at least 0 and below 1.");
        }
        if (options.HandlerTimeout <= TimeSpan.Zero)
        {
            errors.Add("HandlerTimeout must be positive.");
        }
        if (options.LeaseDuration <= options.HandlerTimeout)
        {
            errors.Add($"LeaseDuration ({options.LeaseDuration}) must outlast HandlerTimeout ({options.HandlerTimeout}), or a slow handler could be claimed and run a second time while it still runs.");
        }
        if (options.MaxConcurrency < 1)
        {
            errors.Add("MaxConcurrency must be at least 1.");
        }
        if (options.PollInterval <= TimeSpan.Zero)
        {
            errors.Add("PollInterval must be positive.");
        }
        if (options.MaxBodyBytes < 1)
        {
            errors.Add("MaxBodyBytes must be positive.");
        }
        if (options.DoneRetention < TimeSpan.Zero)
        {
            errors.Add("DoneRetention must not be negative.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
