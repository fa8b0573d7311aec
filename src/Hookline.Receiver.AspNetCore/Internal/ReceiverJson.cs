using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hookline.Receiver.AspNetCore.Internal;

/// <summary>The answer to an accepted (or duplicate) webhook.</summary>
internal sealed record ReceivedResponse(string DeliveryId, bool Duplicate);

/// <summary>Hookline's error shape: <c>{"code": "…", "detail": "…"}</c>.</summary>
internal sealed record ErrorResponse(string Code, string Detail);

/// <summary>A page of inbox entries, in Hookline's list shape.</summary>
internal sealed record InboxPage(IReadOnlyList<WebhookInboxEntry> Data, string? Iterator, bool Done);

internal sealed record RequeueResponse(int Requeued);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ReceivedResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(InboxPage))]
[JsonSerializable(typeof(RequeueResponse))]
[JsonSerializable(typeof(WebhookInboxEntry))]
[JsonSerializable(typeof(WebhookInboxCounts))]
internal sealed partial class ReceiverJsonContext : JsonSerializerContext;
