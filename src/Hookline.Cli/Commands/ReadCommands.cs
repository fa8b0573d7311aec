using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hookline.Cli.Infrastructure;
using Spectre.Console;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline apps|endpoints|messages|attempts|sources list</c> and <c>… get &lt;id&gt;</c>: tables for
/// people, <c>--json</c> (the server's JSON as is) for scripts.
/// </summary>
internal static class ReadCommands
{
    private sealed record Column(string Title, Func<JsonElement, string> Value);

    public static IEnumerable<Command> Create(CliContext context)
    {
        var app = new Option<string>("--app") { Description = "The application (id or uid)", Required = true, HelpName = "app" };
        var source = new Option<string?>("--source") { Description = "The ingest source (id or uid): its endpoints instead of an app's", HelpName = "source" };
        var appForEndpoints = new Option<string?>("--app") { Description = "The application (id or uid)", HelpName = "app" };

        yield return Resource(context, "apps", "applications",
            [],
            _ => "api/v1/app",
            (_, id) => $"api/v1/app/{HooklineApi.Segment(id)}",
            [new("id", a => a.Text("id")), new("uid", a => a.Text("uid")), new("name", a => a.Text("name")), new("created", a => Time(a, "createdAt"))]);

        yield return Resource(context, "endpoints", "endpoints of an application or an ingest source",
            [appForEndpoints, source],
            parse => EndpointBase(parse, appForEndpoints, source),
            (parse, id) => $"{EndpointBase(parse, appForEndpoints, source)}/{HooklineApi.Segment(id)}",
            [
                new("id", e => e.Text("id")), new("uid", e => e.Text("uid")), new("url", e => e.Text("url")),
                new("event types", e => List(e, "filterTypes") is { Length: > 0 } types ? types : "all"),
                new("disabled", e => e.Text("disabled") == "true" ? "yes" : "no"), new("created", e => Time(e, "createdAt")),
            ]);

        var eventType = new Option<string[]>("--event-type") { Description = "Only messages of these event types", HelpName = "type", AllowMultipleArgumentsPerToken = false };
        yield return Resource(context, "messages", "messages of an application",
            [app, eventType],
            parse => $"api/v1/app/{HooklineApi.Segment(parse.GetValue(app)!)}/msg?with_content=false"
                + string.Concat((parse.GetValue(eventType) ?? []).Select(t => "&event_types=" + Uri.EscapeDataString(t))),
            (parse, id) => $"api/v1/app/{HooklineApi.Segment(parse.GetValue(app)!)}/msg/{HooklineApi.Segment(id)}",
            [new("id", m => m.Text("id")), new("event type", m => m.Text("eventType")), new("event id", m => m.Text("eventId")), new("time", m => Time(m, "timestamp"))]);

        var endpoint = new Option<string?>("--endpoint") { Description = "Attempts to this endpoint (id or uid)", HelpName = "endpoint" };
        var msg = new Option<string?>("--msg") { Description = "Attempts of this message (id or eventId); required by 'get'", HelpName = "msg" };
        yield return Resource(context, "attempts", "delivery attempts, by endpoint or by message",
            [app, endpoint, msg],
            parse =>
            {
                var appId = HooklineApi.Segment(parse.GetValue(app)!);
                return (parse.GetValue(endpoint), parse.GetValue(msg)) switch
                {
                    ({ } ep, null) => $"api/v1/app/{appId}/attempt/endpoint/{HooklineApi.Segment(ep)}",
                    (null, { } m) => $"api/v1/app/{appId}/attempt/msg/{HooklineApi.Segment(m)}",
                    ({ } ep, { } m) => $"api/v1/app/{appId}/attempt/msg/{HooklineApi.Segment(m)}?endpoint_id={Uri.EscapeDataString(ep)}",
                    _ => throw CliException.Usage("give --endpoint or --msg (or both)"),
                };
            },
            (parse, id) => parse.GetValue(msg) is { } m
                ? $"api/v1/app/{HooklineApi.Segment(parse.GetValue(app)!)}/msg/{HooklineApi.Segment(m)}/attempt/{HooklineApi.Segment(id)}"
                : throw CliException.Usage("'attempts get' needs --msg: an attempt is looked up within its message"),
            [
                new("id", a => a.Text("id")), new("message", a => a.Text("msgId")), new("endpoint", a => a.Text("endpointId")),
                new("status", a => StatusCode(a)), new("result", a => a.Text("statusText")),
                new("duration", a => a.Text("responseDurationMs") + " ms"), new("time", a => Time(a, "timestamp")),
            ]);

        yield return Resource(context, "sources", "ingest sources",
            [],
            _ => "ingest/api/v1/source",
            (_, id) => $"ingest/api/v1/source/{HooklineApi.Segment(id)}",
            [new("id", s => s.Text("id")), new("uid", s => s.Text("uid")), new("name", s => s.Text("name")), new("type", s => s.Text("type")), new("ingest URL", s => s.Text("ingestUrl"))]);
    }

    private static string EndpointBase(ParseResult parse, Option<string?> app, Option<string?> source) => (parse.GetValue(app), parse.GetValue(source)) switch
    {
        ({ } a, null) => $"api/v1/app/{HooklineApi.Segment(a)}/endpoint",
        (null, { } s) => $"ingest/api/v1/source/{HooklineApi.Segment(s)}/endpoint",
        _ => throw CliException.Usage("give either --app or --source"),
    };

    private static Command Resource(
        CliContext context, string name, string what, Option[] options,
        Func<ParseResult, string> listPath, Func<ParseResult, string, string> getPath, Column[] columns)
    {
        var group = new Command(name, $"Read {what}.");

        var json = JsonOption();
        var limit = new Option<int?>("--limit") { Description = "How many to show (1–250; the server's default is 50)", HelpName = "n" };
        var iterator = new Option<string?>("--iterator") { Description = "Continue after a previous page (printed at the end of a page)", HelpName = "iterator" };
        var list = new Command("list", $"List {what}.");
        foreach (var option in options)
        {
            list.Options.Add(option);
        }
        list.Options.Add(limit);
        list.Options.Add(iterator);
        list.Options.Add(json);
        list.SetAction(async (parse, cancellationToken) =>
        {
            var path = listPath(parse);
            var query = new List<string>();
            if (parse.GetValue(limit) is { } n)
            {
                query.Add("limit=" + n.ToString(CultureInfo.InvariantCulture));
            }
            if (parse.GetValue(iterator) is { } it)
            {
                query.Add("iterator=" + Uri.EscapeDataString(it));
            }
            if (query.Count > 0)
            {
                path += (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join('&', query);
            }
            using var api = context.CreateApi(parse);
            var page = await api.GetAsync(path, cancellationToken);
            if (parse.GetValue(json))
            {
                context.Console.WriteJson(page);
                return ExitCodes.Ok;
            }
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var column in columns)
            {
                table.AddColumn(column.Title);
            }
            var rows = page.TryGetProperty("data", out var data) ? data.EnumerateArray().ToList() : [];
            foreach (var row in rows)
            {
                table.AddRow(columns.Select(c => Markup.Escape(c.Value(row))).ToArray());
            }
            if (rows.Count == 0)
            {
                context.Console.WriteLine($"No {name}.");
                return ExitCodes.Ok;
            }
            context.Console.Out.Write(table);
            if (page.Str("done") == "false" && page.Str("iterator") is { } next)
            {
                context.Console.WriteLine($"More: add --iterator {next}");
            }
            return ExitCodes.Ok;
        });

        var id = new Argument<string>("id") { Description = "The id (or uid)" };
        var getJson = JsonOption();
        var get = new Command("get", $"Show one of the {what}.");
        get.Arguments.Add(id);
        foreach (var option in options)
        {
            get.Options.Add(option);
        }
        get.Options.Add(getJson);
        get.SetAction(async (parse, cancellationToken) =>
        {
            using var api = context.CreateApi(parse);
            var item = await api.GetAsync(getPath(parse, parse.GetValue(id)!), cancellationToken);
            if (parse.GetValue(getJson))
            {
                context.Console.WriteJson(item);
                return ExitCodes.Ok;
            }
            var grid = new Table().Border(TableBorder.Rounded).AddColumn("field").AddColumn("value");
            foreach (var property in item.EnumerateObject())
            {
                var value = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString() ?? "",
                    JsonValueKind.Null => "",
                    _ => property.Value.GetRawText(),
                };
                grid.AddRow(Markup.Escape(property.Name), Markup.Escape(value.Length > 2000 ? value[..2000] + "…" : value));
            }
            context.Console.Out.Write(grid);
            return ExitCodes.Ok;
        });

        group.Subcommands.Add(list);
        group.Subcommands.Add(get);
        return group;
    }

    public static Option<bool> JsonOption() => new("--json") { Description = "Print the server's JSON instead of a table" };

    private static string Time(JsonElement element, string property) =>
        element.Str(property) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : "";

    private static string List(JsonElement element, string property) =>
        element.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array
            ? string.Join(", ", list.EnumerateArray().Select(x => x.GetString()))
            : "";

    private static string StatusCode(JsonElement attempt) => attempt.Text("responseStatusCode") is "0" or "" ? "—" : attempt.Text("responseStatusCode");
}
