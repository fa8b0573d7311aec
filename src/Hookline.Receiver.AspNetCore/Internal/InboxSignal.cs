using Hookline.Core.Work;

namespace Hookline.Receiver.AspNetCore.Internal;

/// <summary>
/// Wakes the inbox worker the moment an event is stored (or a handler finishes, or a dead letter is
/// requeued), so a received webhook never waits for a poll. Its own type so that the inbox's
/// wake-ups and the delivery engine's stay apart when one application hosts both.
/// </summary>
internal sealed class InboxSignal : WakeSignal;
