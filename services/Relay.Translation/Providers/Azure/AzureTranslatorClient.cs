using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Relay.Translation.Providers.Azure;

/// <summary>The Translator v3 REST calls: <c>/translate</c> (several targets in one request) and <c>/languages</c>.</summary>
public class AzureTranslatorClient(HttpClient http, IOptions<AzureTranslatorOptions> options)
{
    private const string Provider = "Azure Translator";
    private readonly AzureTranslatorOptions _options = options.Value;

    /// <summary>One request; the answer holds one item per text, each with one translation per target.</summary>
    public async Task<IReadOnlyList<AzureTranslateItem>> TranslateAsync(
        IReadOnlyList<string> texts, string from, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        // `from` always: the on-prem container requires it, and it spares a detection per text.
        var query = "translate?api-version=3.0&from=" + Uri.EscapeDataString(from)
            + string.Concat(targets.Select(to => "&to=" + Uri.EscapeDataString(to)));
        using var request = new HttpRequestMessage(HttpMethod.Post, query)
        {
            Content = ProviderHttp.JsonBody(texts.Select(text => new AzureTextElement(text)).ToList()),
        };
        request.Headers.Add("Ocp-Apim-Subscription-Key", _options.Key);
        if (!string.IsNullOrWhiteSpace(_options.Region))
            request.Headers.Add("Ocp-Apim-Subscription-Region", _options.Region);
        // Lets Microsoft support find a failed request in their logs.
        request.Headers.Add("X-ClientTraceId", Guid.NewGuid().ToString());

        using var response = await ProviderHttp.SendAsync(http, request, Provider, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw await AzureError.ReadAsync(response, cancellationToken);
        return await ProviderHttp.ReadJsonAsync<List<AzureTranslateItem>>(response, Provider, cancellationToken);
    }

    /// <summary>The language codes Translator translates between ("en", "zh-Hans", …); needs no key.</summary>
    public async Task<IReadOnlyList<string>> LanguagesAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "languages?api-version=3.0&scope=translation");
        using var response = await ProviderHttp.SendAsync(http, request, Provider, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw await AzureError.ReadAsync(response, cancellationToken);
        var body = await ProviderHttp.ReadJsonAsync<AzureLanguages>(response, Provider, cancellationToken);
        return body.Translation?.Keys.ToList() ?? [];
    }

    private sealed record AzureTextElement([property: JsonPropertyName("Text")] string Text);

    private sealed record AzureLanguages(Dictionary<string, JsonElement>? Translation);
}

/// <summary>One element of a /translate answer.</summary>
public sealed record AzureTranslateItem(List<AzureTranslation>? Translations);

/// <summary>One target language's translation of one element.</summary>
public sealed record AzureTranslation(string? Text, string? To);
