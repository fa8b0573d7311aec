using Hookline.Signatures;
using Hookline.Signatures.StandardWebhooks;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Compat;

/// <summary>
/// Svix compatibility, proven with Svix's own official npm client, unmodified: it manages apps,
/// event types, endpoints (headers, secret rotation), messages, attempts, resend, recover and app
/// portal tokens over real HTTP against Hookline, and the message arrives signed at a real receiver.
/// </summary>
public sealed class SvixNpmClientTests
{
    [SkippableFact]
    public async Task OfficialSvixClient_FullWalkthrough_Works()
    {
        await using var run = await SvixNpmWalkthrough.RunAsync("svix-client.mjs", "/svix");

        var messageId = run.Fact("messageId");
        var delivered = run.Receiver.At("/svix").Where(r => r.Headers["webhook-id"] == messageId).ToList();
        Assert.NotEmpty(delivered);
        // Sent after the rotation: signed with the new secret, and the old one still verifies during its grace period.
        foreach (var secret in new[] { run.Fact("secretAfter"), run.Fact("secretBefore") })
        {
            using var key = StandardWebhookSecret.Parse(secret);
            var result = new StandardWebhookVerifier(key).Verify(new WebhookRequest(new WebhookHeaders(delivered[0].Headers), delivered[0].Body));
            Assert.True(result.IsValid, result.ToString());
        }
    }

    /// <summary>
    /// Message tags (create, get, and the <c>tag</c> filter of the message and attempt lists) and
    /// replay-missing (its ReplayOut, the task's <c>messagesSent</c>), through the official client.
    /// </summary>
    [SkippableFact]
    public async Task OfficialSvixClient_TagsAndReplayMissing_Work()
    {
        await using var run = await SvixNpmWalkthrough.RunAsync("svix-tags-replay.mjs", "/tags");

        // The endpoint created after the messages got each of them once, by the replay alone.
        var expected = run.Fact("replayed").Split(',');
        var late = await ApiClientExtensions.EventuallyAsync(
            () => Task.FromResult(run.Receiver.At("/tags-late").Select(r => r.Headers["webhook-id"]).ToList()), r => r.Count >= expected.Length);
        await Task.Delay(300);
        Assert.Equal(expected.Order(), run.Receiver.At("/tags-late").Select(r => r.Headers["webhook-id"]).Order());
    }
}
