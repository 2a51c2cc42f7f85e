using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Relay.Translation.Providers.Apertium;

/// <summary>The APY HTTP API: <c>/listPairs</c> and <c>/translate</c> (form-encoded; JSON bodies are not accepted).</summary>
public class ApertiumClient(HttpClient http)
{
    /// <summary>The installed pairs, as ISO 639-3 codes (variants such as "por_BR" included as APY gives them).</summary>
    public async Task<IReadOnlyList<(string Source, string Target)>> ListPairsAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("listPairs", cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<PairsResponse>(cancellationToken)
            ?? throw new TranslationFailedException("APY answered /listPairs with nothing.");
        return body.ResponseData.Select(p => (p.SourceLanguage, p.TargetLanguage)).ToList();
    }

    /// <summary>Translates one request's worth of text; <paramref name="pair"/> is "eng|spa".</summary>
    public async Task<string> TranslateAsync(string text, string pair, CancellationToken cancellationToken)
    {
        using var form = new FormUrlEncodedContent([
            new("langpair", pair),
            new("q", text),
            new("markUnknown", "no"),
        ]);
        HttpResponseMessage response;
        try { response = await http.PostAsync("translate", form, cancellationToken); }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new TranslationFailedException($"APY did not answer for {pair}: {e.Message}", transient: true, e);
        }
        using var _ = response;
        var json = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
            // 400 "That pair is not installed" cannot succeed on retry; 503 (pipeline timeout) may.
            throw new TranslationFailedException($"APY answered {(int)response.StatusCode} for {pair}: {Explain(json)}",
                transient: (int)response.StatusCode >= 500);
        var answer = JsonSerializer.Deserialize<TranslateResponse>(json)
            ?? throw new TranslationFailedException($"APY answered {pair} with nothing.");
        return answer.ResponseData?.TranslatedText
            ?? throw new TranslationFailedException($"APY answered {pair} without a translation: {Explain(json)}");
    }

    private static string Explain(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty("explanation", out var e) ? e.GetString() ?? json : json;
        }
        catch (JsonException) { return json.Length > 200 ? json[..200] : json; }
    }

    private sealed record PairsResponse([property: JsonPropertyName("responseData")] List<Pair> ResponseData);
    private sealed record Pair(
        [property: JsonPropertyName("sourceLanguage")] string SourceLanguage,
        [property: JsonPropertyName("targetLanguage")] string TargetLanguage);
    private sealed record TranslateResponse([property: JsonPropertyName("responseData")] TranslatedData? ResponseData);
    private sealed record TranslatedData([property: JsonPropertyName("translatedText")] string? TranslatedText);
}
