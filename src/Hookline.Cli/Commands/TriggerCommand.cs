using System.CommandLine;
using System.Text;
using System.Text.Json;
using Hookline.Cli.Infrastructure;

namespace Hookline.Cli.Commands;

/// <summary><c>hookline trigger &lt;event-type&gt; --app &lt;app&gt; [--payload &lt;json&gt;|@file]</c>: sends one message.</summary>
internal static class TriggerCommand
{
    public static Command Create(CliContext context)
    {
        var eventType = new Argument<string>("event-type") { Description = "The event type, e.g. invoice.paid" };
        var app = new Option<string>("--app") { Description = "The application (id or uid)", Required = true, HelpName = "app" };
        var payload = new Option<string?>("--payload")
        {
            Description = "The payload: a JSON object, @file, or @- for standard input [default: the event type's schema example, else {}]",
            HelpName = "json|@file",
        };
        var eventId = new Option<string?>("--event-id") { Description = "A unique id for the message (a second message with it is refused)", HelpName = "id" };
        var channels = new Option<string[]>("--channel") { Description = "A channel for the message (repeat for several)", HelpName = "channel" };
        var json = ReadCommands.JsonOption();

        var command = new Command("trigger", "Send a message of an event type to an application's endpoints.");
        command.Arguments.Add(eventType);
        command.Options.Add(app);
        command.Options.Add(payload);
        command.Options.Add(eventId);
        command.Options.Add(channels);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var type = parse.GetValue(eventType)!;
            using var api = context.CreateApi(parse);
            byte[] body;
            string origin;
            if (parse.GetValue(payload) is { } given)
            {
                body = CliInput.ReadValue(given, "--payload");
                origin = given.StartsWith('@') ? given[1..] : "--payload";
                RequireObject(body, "--payload");
            }
            else
            {
                (body, origin) = await ExampleAsync(api, type, cancellationToken);
            }
            var message = new MemoryStream();
            using (var writer = new Utf8JsonWriter(message))
            {
                writer.WriteStartObject();
                writer.WriteString("eventType", type);
                writer.WritePropertyName("payload");
                // The payload's bytes as written, not re-serialised: that is what gets signed.
                writer.WriteRawValue(body, skipInputValidation: false);
                if (parse.GetValue(eventId) is { } id)
                {
                    writer.WriteString("eventId", id);
                }
                if (parse.GetValue(channels) is { Length: > 0 } list)
                {
                    writer.WriteStartArray("channels");
                    foreach (var channel in list)
                    {
                        writer.WriteStringValue(channel);
                    }
                    writer.WriteEndArray();
                }
                writer.WriteEndObject();
            }
            var created = await api.PostRawAsync($"api/v1/app/{HooklineApi.Segment(parse.GetValue(app)!)}/msg", message.ToArray(), cancellationToken);
            if (parse.GetValue(json))
            {
                context.Console.WriteJson(created);
            }
            else
            {
                context.Console.WriteLine($"Sent {created.Text("id")} ({type}) to {parse.GetValue(app)}, payload from {origin}.");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void RequireObject(byte[] body, string option)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw CliException.Usage($"{option}: the payload must be a JSON object ({{…}}), not {document.RootElement.ValueKind.ToString().ToLowerInvariant()}");
            }
        }
        catch (JsonException ex)
        {
            throw CliException.Usage($"{option}: not valid JSON: {ex.Message}");
        }
    }

    /// <summary>The event type's schema example, picked as the server picks it for send-example; <c>{}</c> without one.</summary>
    private static async Task<(byte[] Body, string Origin)> ExampleAsync(HooklineApi api, string type, CancellationToken cancellationToken)
    {
        JsonElement eventType;
        try
        {
            eventType = await api.GetAsync($"api/v1/event-type/{HooklineApi.Segment(type)}", cancellationToken);
        }
        catch (CliException ex) when (ex.ExitCode == ExitCodes.NotFound)
        {
            return ("{}"u8.ToArray(), "{} (the event type is not defined on the server)");
        }
        if (eventType.TryGetProperty("schemas", out var schemas) && schemas.ValueKind == JsonValueKind.Object)
        {
            var versions = schemas.EnumerateObject().ToList();
            var schema = versions.FirstOrDefault(p => p.Name == "1").Value;
            if (schema.ValueKind != JsonValueKind.Object)
            {
                schema = versions.OrderByDescending(p => int.TryParse(p.Name, out var n) ? n : int.MinValue)
                    .Select(p => p.Value).FirstOrDefault(s => s.ValueKind == JsonValueKind.Object);
            }
            if (schema.ValueKind == JsonValueKind.Object)
            {
                if (schema.TryGetProperty("examples", out var examples) && examples.ValueKind == JsonValueKind.Array
                    && examples.GetArrayLength() > 0 && examples[0].ValueKind == JsonValueKind.Object)
                {
                    return (Encoding.UTF8.GetBytes(examples[0].GetRawText()), "the event type's schema example");
                }
                if (schema.TryGetProperty("example", out var example) && example.ValueKind == JsonValueKind.Object)
                {
                    return (Encoding.UTF8.GetBytes(example.GetRawText()), "the event type's schema example");
                }
            }
        }
        return ("{}"u8.ToArray(), "{} (the event type's schema has no example)");
    }
}
