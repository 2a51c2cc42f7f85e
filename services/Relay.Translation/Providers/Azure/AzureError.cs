using System.Net;
using System.Text.Json;

namespace Relay.Translation.Providers.Azure;

/// <summary>
/// Reads Translator's <c>{"error":{"code":429001,"message":"…"}}</c>: the code is the HTTP status
/// followed by three digits, and says whether another attempt can help.
/// </summary>
public static class AzureError
{
    public static async Task<TranslationFailedException> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var (code, message) = Parse(body);
        return new TranslationFailedException(
            $"Azure Translator answered {(int)response.StatusCode}, error {code?.ToString() ?? "?"}: {message ?? ProviderHttp.Excerpt(body)}",
            transient: code is { } c ? IsTransient(c) : ProviderRetry.IsTransient(response.StatusCode));
    }

    /// <summary>408xxx, 429xxx and 5xxxxx are worth retrying; 400xxx, 401xxx, 403xxx and 415000 are not.</summary>
    public static bool IsTransient(int code) => ProviderRetry.IsTransient((HttpStatusCode)(code / 1000));

    private static (int? Code, string? Message) Parse(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
                return (null, null);
            int? code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var n) ? n : null;
            var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            return (code, message);
        }
        catch (JsonException) { return (null, null); }
    }
}
