using System.Collections.Concurrent;
using Hookline.Signatures;

namespace Hookline.Receiver.AspNetCore.Internal;

/// <summary>One mapped webhook: its verifier and, once <c>Handle</c> is called, its handler.</summary>
internal sealed class WebhookDefinition
{
    public WebhookDefinition(string name, string pattern, IWebhookVerifier verifier, Uri? publicUrl, long maxBodyBytes)
    {
        Name = name;
        Pattern = pattern;
        Verifier = verifier;
        PublicUrl = publicUrl;
        MaxBodyBytes = maxBodyBytes;
    }

    public string Name { get; }

    public string Pattern { get; }

    public IWebhookVerifier Verifier { get; }

    public Uri? PublicUrl { get; }

    public long MaxBodyBytes { get; }

    public HandlerInvoker? Handler { get; set; }
}

/// <summary>The webhooks this app maps, by name. The worker claims only these webhooks' events.</summary>
internal sealed class WebhookRegistry
{
    private readonly ConcurrentDictionary<string, WebhookDefinition> _byName = new(StringComparer.Ordinal);

    public IReadOnlyCollection<WebhookDefinition> All => _byName.Values.ToArray();

    public void Add(WebhookDefinition definition)
    {
        if (!_byName.TryAdd(definition.Name, definition))
        {
            throw new InvalidOperationException(
                $"A webhook named '{definition.Name}' is mapped already; names key the inbox, so give each MapWebhook its own (WebhookOptions.Name).");
        }
    }

    public WebhookDefinition? Find(string name) => _byName.GetValueOrDefault(name);
}
