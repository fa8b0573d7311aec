using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.Auth;

namespace Hookline.Server.Ingest;

/// <summary>
/// Resolves <c>{source_id}</c> (an id or a uid) for the caller. The admin reaches every source; a
/// token from the source's <c>/dashboard</c> call is scoped to the source's hidden application and
/// reaches only that source (its endpoints, log and replay). Anything else answers 404, exactly as
/// a missing source does.
/// </summary>
internal static class SourceAccess
{
    public static async Task<Source> GetAsync(HttpContext context, ISourceStore store, string sourceIdOrUid, bool adminOnly = false)
    {
        var caller = ApiCaller.Get(context);
        if (adminOnly)
        {
            caller.RequireAdmin();
        }
        AppAccess.RequireIdOrUid("source_id", sourceIdOrUid);
        var source = await store.GetSourceAsync(sourceIdOrUid, context.RequestAborted);
        if (source is null || (caller.AppId is { } scoped && scoped != source.AppId))
        {
            throw ApiException.NotFound("Source not found");
        }
        return source;
    }
}
