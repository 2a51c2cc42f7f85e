using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Relay.Translation.Providers.LibreTranslate;

/// <summary>LibreTranslate's <c>/translate</c> (one target a request; <c>q</c> as an array gives an array back) and <c>/languages</c>.</summary>
public class LibreTranslateClient(HttpClient http, IOptions<LibreTranslateOptions> options)
{
    private const string Provider = "LibreTranslate";
    private readonly LibreTranslateOptions _options = options.Value;

    public async Task<IReadOnlyList<string>> TranslateAsync(IReadOnlyList<string> texts, string from, string to, CancellationToken cancellationToken)
    {
        var body = new TranslateRequest(texts, from, to, "text", string.IsNullOrWhiteSpace(_options.ApiKey) ? null : _options.ApiKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "translate") { Content = ProviderHttp.JsonBody(body) };
        using var response = await ProviderHttp.SendAsync(http, request, Provider, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, cancellationToken);
        var answer = await ProviderHttp.ReadJsonAsync<TranslateResponse>(response, Provider, cancellationToken);
        return answer.TranslatedText ?? throw new TranslationFailedException($"{Provider} answered {from}→{to} without translatedText.");
    }

    /// <summary>Each source language with the targets it translates into.</summary>
    public async Task<IReadOnlyList<LibreLanguage>> LanguagesAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "languages");
        using var response = await ProviderHttp.SendAsync(http, request, Provider, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, cancellationToken);
        return await ProviderHttp.ReadJsonAsync<List<LibreLanguage>>(response, Provider, cancellationToken);
    }

    /// <summary><c>{"error":"Slowdown: …"}</c>; 429 (rate limit) and 5xx are worth retrying, 400 and 403 (key) are not.</summary>
    private static async Task<TranslationFailedException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string? message = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String)
                message = e.GetString();
        }
        catch (JsonException) { }
        return new TranslationFailedException(
            $"{Provider} answered {(int)response.StatusCode}: {message ?? ProviderHttp.Excerpt(body)}",
            transient: ProviderRetry.IsTransient(response.StatusCode));
    }

    private sealed record TranslateRequest(
        [property: JsonPropertyName("q")] IReadOnlyList<string> Q,
        [property: JsonPropertyName("source")] string Source,
        [property: JsonPropertyName("target")] string Target,
        [property: JsonPropertyName("format")] string Format,
        [property: JsonPropertyName("api_key"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ApiKey);

    private sealed record TranslateResponse(List<string>? TranslatedText);
}

/// <summary>One entry of <c>/languages</c>: <c>{"code":"en","name":"English","targets":["es",…]}</c>.</summary>
public sealed record LibreLanguage(string Code, string? Name, List<string>? Targets);
