using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hookline.Cli.Infrastructure;
using Spectre.Console;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline replay --app … --endpoint … --since …</c> recovers an endpoint's failed deliveries
/// (the server's background task) and follows them until they are attempted again;
/// <c>hookline replay --source … --since …</c> sends the requests a source accepted again, one by one.
/// Both show a progress bar.
/// </summary>
internal static class ReplayCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public static Command Create(CliContext context)
    {
        var app = new Option<string?>("--app") { Description = "The application (id or uid)", HelpName = "app" };
        var endpoint = new Option<string?>("--endpoint") { Description = "The endpoint whose failed deliveries are sent again (id or uid)", HelpName = "endpoint" };
        var source = new Option<string?>("--source") { Description = "The ingest source whose accepted requests are forwarded again (id or uid)", HelpName = "source" };
        var since = new Option<string>("--since") { Description = "From: a duration back from now (1h, 30m, 2d) or a time (2026-01-02T10:00:00Z)", Required = true, HelpName = "time|duration" };
        var until = new Option<string?>("--until") { Description = "Up to (same forms as --since) [default: now]", HelpName = "time|duration" };
        var noWait = new Option<bool>("--no-wait") { Description = "Start the replay and return without following it" };
        var json = ReadCommands.JsonOption();

        var command = new Command("replay", "Send an endpoint's failed deliveries again (--app, --endpoint), or a source's accepted requests (--source), with a progress bar.");
        foreach (var option in new Option[] { app, endpoint, source, since, until, noWait, json })
        {
            command.Options.Add(option);
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            var now = DateTimeOffset.UtcNow;
            var from = CliInput.ParseTime(parse.GetValue(since)!, "--since", now);
            var to = parse.GetValue(until) is { } u ? CliInput.ParseTime(u, "--until", now) : (DateTimeOffset?)null;
            if (to is { } end && end <= from)
            {
                throw CliException.Usage("--until must be after --since");
            }
            using var api = context.CreateApi(parse);
            return (parse.GetValue(app), parse.GetValue(endpoint), parse.GetValue(source)) switch
            {
                ({ } a, { } e, null) => await RecoverAsync(context, api, a, e, from, to, parse.GetValue(noWait), parse.GetValue(json), cancellationToken),
                (null, null, { } s) => await ReplaySourceAsync(context, api, s, from, to, parse.GetValue(json), cancellationToken),
                _ => throw CliException.Usage("give --app and --endpoint, or --source"),
            };
        });
        return command;
    }

    private static async Task<int> RecoverAsync(
        CliContext context, HooklineApi api, string app, string endpoint, DateTimeOffset since, DateTimeOffset? until,
        bool noWait, bool json, CancellationToken cancellationToken)
    {
        var basePath = $"api/v1/app/{HooklineApi.Segment(app)}/endpoint/{HooklineApi.Segment(endpoint)}";
        var window = $"since={Uri.EscapeDataString(since.ToString("O", CultureInfo.InvariantCulture))}"
            + (until is { } u ? $"&until={Uri.EscapeDataString(u.ToString("O", CultureInfo.InvariantCulture))}" : "");
        // Deliveries of the window already waiting before the replay are not the replay's.
        var before = await api.GetAsync($"{basePath}/stats?{window}", cancellationToken);
        var waitingBefore = Waiting(before);
        var task = await api.PostAsync($"{basePath}/recover", new { since, until }, cancellationToken);
        var taskId = task.Text("id");
        if (noWait)
        {
            Report(context, json, task, $"Started {taskId}: failed deliveries to {endpoint} since {since:u} are queued again.");
            return ExitCodes.Ok;
        }

        JsonElement finished = default;
        var recovered = 0;
        var failed = false;
        await NewProgress(context).StartAsync(async progress =>
        {
            var queue = progress.AddTask($"Queueing failed deliveries ({taskId})", maxValue: 1);
            queue.IsIndeterminate = true;
            while (true)
            {
                finished = await api.GetAsync($"api/v1/background-task/{HooklineApi.Segment(taskId)}", cancellationToken);
                var status = finished.Text("status");
                if (status is "finished" or "failed")
                {
                    failed = status == "failed";
                    break;
                }
                await Task.Delay(PollInterval, cancellationToken);
            }
            queue.IsIndeterminate = false;
            queue.Value = 1;
            if (failed)
            {
                return;
            }
            recovered = finished.TryGetProperty("data", out var data) && data.TryGetProperty("recovered", out var r) && r.TryGetInt32(out var n) ? n : 0;
            Done(context, queue, $"Queued {recovered} failed deliveries ({taskId})");
            var send = progress.AddTask($"Sending {recovered} again", maxValue: Math.Max(recovered, 1));
            if (recovered == 0)
            {
                send.Value = 1;
                Done(context, send, "Nothing to send again");
                return;
            }
            while (true)
            {
                var stats = await api.GetAsync($"{basePath}/stats?{window}", cancellationToken);
                var left = Math.Max(0, Waiting(stats) - waitingBefore);
                send.Value = Math.Min(recovered, recovered - left);
                if (left == 0)
                {
                    Done(context, send, $"Sent {recovered} again");
                    break;
                }
                await Task.Delay(PollInterval, cancellationToken);
            }
        });
        if (failed)
        {
            throw new CliException($"the replay task {taskId} failed: {(finished.TryGetProperty("data", out var d) ? d.Str("error") : null) ?? "see the server's log"}", ExitCodes.Failed);
        }
        var after = await api.GetAsync($"{basePath}/stats?{window}", cancellationToken);
        Report(context, json, finished,
            $"Replayed {recovered} failed deliveries to {endpoint}; messages since {since:u} now: {after.Text("success")} delivered, {after.Text("fail")} failed, {Waiting(after)} waiting.");
        return ExitCodes.Ok;
    }

    private static async Task<int> ReplaySourceAsync(
        CliContext context, HooklineApi api, string source, DateTimeOffset since, DateTimeOffset? until, bool json, CancellationToken cancellationToken)
    {
        var basePath = $"ingest/api/v1/source/{HooklineApi.Segment(source)}/log";
        // The log is newest first: read back until the window starts.
        var entries = new List<JsonElement>();
        string? iterator = null;
        while (true)
        {
            var page = await api.GetAsync($"{basePath}?limit=250{(iterator is null ? "" : "&iterator=" + Uri.EscapeDataString(iterator))}", cancellationToken);
            var reachedStart = false;
            foreach (var entry in page.GetProperty("data").EnumerateArray())
            {
                var at = DateTimeOffset.Parse(entry.Text("created_at"), CultureInfo.InvariantCulture);
                if (at < since)
                {
                    reachedStart = true;
                    break;
                }
                if ((until is null || at < until) && entry.Text("outcome") == "accepted")
                {
                    entries.Add(entry);
                }
            }
            iterator = page.Str("iterator");
            if (reachedStart || page.Text("done") == "true" || iterator is null)
            {
                break;
            }
        }
        entries.Reverse();
        var replayed = new List<object>();
        await NewProgress(context).StartAsync(async progress =>
        {
            var task = progress.AddTask($"Forwarding {entries.Count} requests again", maxValue: Math.Max(entries.Count, 1));
            foreach (var entry in entries)
            {
                var result = await api.PostAsync($"{basePath}/{HooklineApi.Segment(entry.Text("id"))}/replay", new { }, cancellationToken);
                replayed.Add(new { log_id = entry.Text("id"), msg_id = result.Str("msg_id"), endpoint_ids = result.TryGetProperty("endpoint_ids", out var ids) ? ids.Clone() : default });
                task.Increment(1);
            }
            if (entries.Count == 0)
            {
                task.Value = 1;
            }
            Done(context, task, $"Forwarded {entries.Count} requests again");
        });
        if (json)
        {
            context.Console.WriteJson(JsonSerializer.SerializeToElement(new { replayed }, CliJson.Options));
        }
        else
        {
            context.Console.WriteLine($"Forwarded {entries.Count} accepted requests of {source} since {since:u} again.");
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Marks a step done. Without a terminal (a log, a pipe) there is no live bar to look at, so each
    /// finished step is also printed as a line.
    /// </summary>
    private static void Done(CliContext context, ProgressTask task, string description)
    {
        task.Description = description;
        task.Value = task.MaxValue;
        if (!context.Console.Out.Profile.Capabilities.Interactive)
        {
            context.Console.WriteLine($"{description}: 100%");
        }
    }

    private static Progress NewProgress(CliContext context) => context.Console.Out.Progress()
        .AutoClear(false)
        .HideCompleted(false)
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn());

    private static long Waiting(JsonElement stats) =>
        (stats.TryGetProperty("pending", out var p) ? p.GetInt64() : 0) + (stats.TryGetProperty("sending", out var s) ? s.GetInt64() : 0);

    private static void Report(CliContext context, bool json, JsonElement task, string line)
    {
        if (json)
        {
            context.Console.WriteJson(task);
        }
        else
        {
            context.Console.WriteLine(line);
        }
    }
}
