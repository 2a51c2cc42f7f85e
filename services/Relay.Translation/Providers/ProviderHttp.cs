using System.Net.Http.Headers;
using System.Text.Json;
using Polly.Timeout;

namespace Relay.Translation.Providers;

/// <summary>Sending and reading for the provider clients, so every failure reaches the caller as a <see cref="TranslationFailedException"/>.</summary>
internal static class ProviderHttp
{
    /// <summary>Case-insensitive reading; request bodies name their JSON properties explicitly.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>With a trailing slash, so relative paths keep a path prefix (a custom Azure endpoint, a proxied LibreTranslate).</summary>
    public static Uri BaseAddress(string url) => new(url.EndsWith('/') ? url : url + "/");

    /// <summary>
    /// Serialized up front rather than with JsonContent: a known length avoids chunked uploads, which
    /// some gateways refuse, and the bytes are simply sent again on a retry.
    /// </summary>
    public static HttpContent JsonBody<T>(T value)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, Json));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, string provider, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new TranslationFailedException($"{provider} could not be reached: {e.Message}", transient: true, e);
        }
        catch (TimeoutRejectedException e)
        {
            throw new TranslationFailedException($"{provider} did not answer in time.", transient: true, e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout (the total time for all attempts) ran out; the caller did not cancel.
            throw new TranslationFailedException($"{provider} did not answer in time.", transient: true, e);
        }
    }

    public static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, string provider, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            return JsonSerializer.Deserialize<T>(body, Json)
                ?? throw new TranslationFailedException($"{provider} answered {response.RequestMessage?.RequestUri?.AbsolutePath} with nothing.");
        }
        catch (JsonException e)
        {
            throw new TranslationFailedException($"{provider} answered with JSON it could not be read as expected: {Excerpt(body)}", transient: true, e);
        }
    }

    /// <summary>The start of an error body, for messages and logs.</summary>
    public static string Excerpt(string body) => body.Length > 300 ? body[..300] + "…" : body;
}
