using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Hookline.Cli.Infrastructure;
using Hookline.Signatures;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline sign</c>: signs a body as a provider would (Hookline.Signatures' signers) and prints the
/// headers, or sends the signed request to a URL (an ingest URL, or a local app) and prints the answer.
/// </summary>
internal static class SignCommand
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);

    public static Command Create(CliContext context)
    {
        var scheme = new Option<string>("--scheme")
        {
            Description = $"The provider's scheme: {string.Join(", ", WebhookSigners.KnownTypes.Where(t => t != "generic-webhook"))}",
            Required = true,
            HelpName = "name",
        };
        var secret = new Option<string>("--secret") { Description = "The signing secret (for discord and sendgrid: the private key)", Required = true, HelpName = "secret" };
        var body = new Option<string>("--body") { Description = "The body to sign and send: @file, @- for standard input, or the text itself", Required = true, HelpName = "@file" };
        var send = new Option<string?>("--send") { Description = "POST the signed request to this URL and print the answer", HelpName = "url" };
        var url = new Option<string?>("--url") { Description = "The URL to sign, for twilio and square [default: the --send URL]", HelpName = "url" };
        var id = new Option<string?>("--id") { Description = "The delivery id to send, where the scheme has one [default: a new one]", HelpName = "id" };
        var headers = new Option<string[]>("--header", "-H") { Description = "An extra header to send, 'Name: value' (repeat for each)", HelpName = "'Name: value'" };
        var config = new Option<string[]>("--config") { Description = "Another config key of the scheme, key=value (e.g. for hmac: header=X-Signature)", HelpName = "key=value" };

        var command = new Command("sign", "Sign a request as a provider would; print the headers, or --send it to a URL.");
        foreach (var option in new Option[] { scheme, secret, body, send, url, id, headers, config })
        {
            command.Options.Add(option);
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            var type = parse.GetValue(scheme)!;
            if (!WebhookSigners.KnownTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
            {
                throw CliException.Usage($"--scheme: cannot sign as '{type}'; can sign as: {string.Join(", ", WebhookSigners.KnownTypes)}");
            }
            var target = parse.GetValue(send);
            Uri? destination = null;
            if (target is not null && (!Uri.TryCreate(target, UriKind.Absolute, out destination) || destination.Scheme is not ("http" or "https")))
            {
                throw CliException.Usage($"--send: '{target}' is not an http or https URL");
            }
            var signedUrl = parse.GetValue(url) ?? target;
            var content = CliInput.ReadValue(parse.GetValue(body)!, "--body");
            var settings = SignerConfig(type, parse.GetValue(secret)!, parse.GetValue(config) ?? []);
            if (!WebhookSigners.TryCreate(type, settings, TimeProvider.System, out var signer, out var errors))
            {
                throw CliException.Usage(string.Join("; ", errors.Select(e => $"{e.Key}: {e.Message}")));
            }
            IReadOnlyList<KeyValuePair<string, string>> signature;
            try
            {
                signature = signer.Sign(content, signedUrl, parse.GetValue(id));
            }
            catch (ArgumentException ex)
            {
                // URL-signed schemes without a URL, or a body the scheme cannot sign (e.g. not a form).
                throw CliException.Usage(ex.Message);
            }
            var extra = VerifyCommand.ParseHeaders(parse.GetValue(headers) ?? []);
            var console = context.Console;
            if (destination is null)
            {
                foreach (var (name, value) in signature)
                {
                    console.WriteLine($"{name}: {value}");
                }
                return ExitCodes.Ok;
            }
            return await SendAsync(console, destination, content, signature, extra, cancellationToken);
        });
        return command;
    }

    /// <summary>The secret goes under the key the scheme's signer takes; <c>--config</c> adds the rest.</summary>
    private static Dictionary<string, string?> SignerConfig(string type, string secret, string[] extra)
    {
        var config = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [VerifyCommand.SecretKey(WebhookVerifiers.Describe(type)!, signing: true)] = secret,
        };
        foreach (var (key, value) in VerifyCommand.ParseConfig(extra))
        {
            config[key] = value;
        }
        return config;
    }

    private static async Task<int> SendAsync(CliConsole console, Uri destination, byte[] content, IReadOnlyList<KeyValuePair<string, string>> signature, WebhookHeaders extra, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = SendTimeout };
        using var request = new HttpRequestMessage(HttpMethod.Post, destination) { Content = new ByteArrayContent(content) };
        var given = extra.GetValues("Content-Type");
        var contentType = given.Count > 0 ? given[0] : "application/json";
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            throw CliException.Usage($"--header: '{contentType}' is not a Content-Type");
        }
        request.Content.Headers.ContentType = mediaType;
        foreach (var (name, value) in signature.Concat(extra.Where(h => !h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))))
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"cannot reach {destination}: {ex.InnerException?.Message ?? ex.Message}", ExitCodes.Unreachable);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"{destination} did not answer within {SendTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", ExitCodes.Unreachable);
        }
        using (response)
        {
            var answer = await response.Content.ReadAsStringAsync(cancellationToken);
            console.WriteLine($"{(int)response.StatusCode} {response.ReasonPhrase}");
            if (answer.Length > 0)
            {
                console.WriteLine(answer.Length > 4000 ? answer[..4000] + "…" : answer);
            }
            return response.IsSuccessStatusCode ? ExitCodes.Ok : ExitCodes.Failed;
        }
    }
}
