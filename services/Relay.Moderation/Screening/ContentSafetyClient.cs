using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Relay.Moderation.Screening;

/// <summary>
/// Azure AI Content Safety's <c>POST {endpoint}/contentsafety/text:analyze?api-version=2024-09-01</c>
/// (https://learn.microsoft.com/en-us/rest/api/contentsafety/text-operations/analyze-text?view=rest-contentsafety-2024-09-01),
/// one text of at most 10,000 characters a request.
/// </summary>
public class ContentSafetyClient(HttpClient http, IOptions<ContentSafetyOptions> options)
{
    public const string ApiVersion = "2024-09-01";

    private readonly ContentSafetyOptions _options = options.Value;

    /// <exception cref="ScreeningServiceException">No answer, an error status (after retries for 408, 429 and 5xx), or an answer that cannot be read.</exception>
    public async Task<ContentSafetyAnalysis> AnalyzeAsync(string text, CancellationToken cancellationToken)
    {
        var blocklists = ModerationOptions.Split(_options.BlocklistNames);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"contentsafety/text:analyze?api-version={ApiVersion}")
        {
            Content = ScreeningHttp.JsonBody(new AnalyzeTextRequest(
                text, _options.Thresholds.Asked(), blocklists.Count > 0 ? blocklists : null,
                blocklists.Count > 0 ? false : null, _options.OutputType)),
        };
        request.Headers.Add("Ocp-Apim-Subscription-Key", _options.Key);

        using var response = await ScreeningHttp.SendAsync(http, request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new ScreeningServiceException(Failure((int)response.StatusCode, body));
        try
        {
            return JsonSerializer.Deserialize<ContentSafetyAnalysis>(body, ScreeningHttp.Json)
                ?? throw new ScreeningServiceException("an empty answer");
        }
        catch (JsonException e)
        {
            throw new ScreeningServiceException($"an answer that is not the documented JSON: {ScreeningHttp.Excerpt(body)}", e);
        }
    }

    /// <summary>
    /// "503 ServerBusy: …" from the documented error body <c>{"error":{"code","message"}}</c>
    /// (https://learn.microsoft.com/en-us/azure/ai-services/content-safety/concepts/response-codes),
    /// or the status and the start of whatever else came back.
    /// </summary>
    public static string Failure(int status, string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                var code = error.TryGetProperty("code", out var c) ? c.ToString() : "";
                var message = error.TryGetProperty("message", out var m) ? m.ToString() : "";
                // The gateway's own refusals repeat the status as the code ("401").
                var head = code.Length == 0 || code == status.ToString(CultureInfo.InvariantCulture) ? $"{status}" : $"{status} {code}";
                return message.Length == 0 ? head : $"{head}: {ScreeningHttp.Excerpt(message)}";
            }
        }
        catch (JsonException) { }
        return body.Length == 0 ? $"{status}" : $"{status}: {ScreeningHttp.Excerpt(body)}";
    }

    private sealed record AnalyzeTextRequest(
        [property: JsonPropertyName("text")] string Text,
        [property: JsonPropertyName("categories")] IReadOnlyList<string> Categories,
        [property: JsonPropertyName("blocklistNames"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? BlocklistNames,
        // Severities are wanted whether or not a blocklist matched.
        [property: JsonPropertyName("haltOnBlocklistHit"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? HaltOnBlocklistHit,
        [property: JsonPropertyName("outputType")] string OutputType);
}
