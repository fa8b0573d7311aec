using System.Text;
using Hookline.Server.Tests.Compat;
using Hookline.Server.Tests.Infrastructure;
using Hookline.Signatures;
using Hookline.Signatures.StandardWebhooks;

namespace Hookline.Server.Tests.Ingest;

/// <summary>
/// The official svix npm client (2.5.0), unmodified, manages ingest sources and their endpoints
/// against Hookline (create, get by id and uid, list, upsert, rotate token, portal access, endpoint
/// CRUD, headers, secret rotation, delete), and a request it signs reaches a real receiver re-signed
/// by Hookline.
/// </summary>
public sealed class SvixNpmIngestClientTests
{
    [SkippableFact]
    public async Task OfficialSvixClient_ManagesSourcesAndSourceEndpoints()
    {
        await using var run = await SvixNpmWalkthrough.RunAsync("svix-ingest.mjs", "/ingest-compat");

        var messageId = run.Fact("messageId");
        var forwarded = await ApiClientExtensions.EventuallyAsync(
            () => Task.FromResult(run.Receiver.At("/ingest-compat").Where(r => r.Headers["webhook-id"] == messageId).ToList()), l => l.Count > 0);
        var request = Assert.Single(forwarded);
        Assert.Equal(Encoding.UTF8.GetBytes(run.Fact("payload")), request.Body);
        Assert.Equal("ingest", request.Headers["x-compat"]);
        using var secret = StandardWebhookSecret.Parse(run.Fact("secretAfter"));
        Assert.True(new StandardWebhookVerifier(secret).Verify(new WebhookRequest(new WebhookHeaders(request.Headers), request.Body)).IsValid);
    }
}
