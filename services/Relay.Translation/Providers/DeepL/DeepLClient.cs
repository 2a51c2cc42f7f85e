using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Relay.Translation.Providers.DeepL;

/// <summary>DeepL's <c>/v2/translate</c> (one target a request) and <c>/v2/languages</c>; every call carries the key.</summary>
public class DeepLClient(HttpClient http, IOptions<DeepLOptions> options)
{
    private const string Provider = "DeepL";
    private readonly DeepLOptions _options = options.Value;

    /// <summary><paramref name="sourceLang"/> and <paramref name="targetLang"/> in DeepL's upper-case codes ("EN", "PT-BR").</summary>
    public async Task<IReadOnlyList<string>> TranslateAsync(IReadOnlyList<string> texts, string sourceLang, string targetLang, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, "v2/translate");
        request.Content = ProviderHttp.JsonBody(new TranslateRequest(texts, sourceLang, targetLang));
        using var response = await ProviderHttp.SendAsync(http, request, Provider, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, cancellationToken);
        var answer = await ProviderHttp.ReadJsonAsync<TranslateResponse>(response, Provider, cancellationToken);
        return answer.Translations?.Select(t => t.Text ?? throw new TranslationFailedException($"{Provider} answered a text without a translation.")).ToList()
            ?? throw new TranslationFailedException($"{Provider} answered {sourceLang}→{targetLang} without translations.");
    }

    /// <summary>DeepL's codes for <paramref name="type"/> "source" or "target" ("EN", "EN-GB", …).</summary>
    public async Task<IReadOnlyList<string>> LanguagesAsync(string type, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, "v2/languages?type=" + Uri.EscapeDataString(type));
        using var response = await ProviderHttp.SendAsync(http, request, Provider, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, cancellationToken);
        var languages = await ProviderHttp.ReadJsonAsync<List<DeepLLanguage>>(response, Provider, cancellationToken);
        return languages.Select(l => l.Language).Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => l!).ToList();
    }

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        // Validation off: the key's ":fx" suffix is not a token the typed header parser accepts.
        request.Headers.TryAddWithoutValidation("Authorization", "DeepL-Auth-Key " + _options.Key);
        return request;
    }

    /// <summary><c>{"message":"…"}</c>; 429 and 5xx are worth retrying, 456 (quota exceeded), 403 (key) and 400 are not.</summary>
    private static async Task<TranslationFailedException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string? message = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                message = m.GetString();
        }
        catch (JsonException) { }
        var status = (int)response.StatusCode;
        var what = status == 456 ? "quota exceeded" : message ?? ProviderHttp.Excerpt(body);
        return new TranslationFailedException($"{Provider} answered {status}: {what}", transient: ProviderRetry.IsTransient(response.StatusCode));
    }

    private sealed record TranslateRequest(
        [property: JsonPropertyName("text")] IReadOnlyList<string> Text,
        [property: JsonPropertyName("source_lang")] string SourceLang,
        [property: JsonPropertyName("target_lang")] string TargetLang);

    private sealed record TranslateResponse(List<DeepLTranslation>? Translations);

    private sealed record DeepLTranslation(
        [property: JsonPropertyName("detected_source_language")] string? DetectedSourceLanguage,
        [property: JsonPropertyName("text")] string? Text);

    private sealed record DeepLLanguage(string? Language, string? Name);
}
