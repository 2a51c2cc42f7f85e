using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Moderation.Screening;

/// <summary>What every outside screening service's section has: the switch, the key, timeouts and retries.</summary>
public abstract class ScreeningServiceOptions
{
    /// <summary>Off by default: a message's text goes to an outside service only when a coordinator turns it on.</summary>
    public bool Enabled { get; set; }

    /// <summary>From configuration or the environment, never from code.</summary>
    public string Key { get; set; } = "";

    /// <summary>One attempt; a slow attempt is abandoned and retried like a failed one.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// All attempts and the waits between them, Retry-After included. Short: past it the message is
    /// held for a coordinator, which is better than a screening stage stuck on a service.
    /// </summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts in all, the first one included.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The first backoff delay; it doubles each retry, with jitter. Tests set a few milliseconds.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The address the service's paths are relative to.</summary>
    public abstract string ServiceUrl();

    /// <summary>Enabled, with everything it needs set: only then is the service asked.</summary>
    public bool IsOn => Enabled && Problems().Count == 0;

    /// <summary>What stops an enabled service from working; empty when it can be asked.</summary>
    public virtual IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ServiceUrl()) || !Uri.TryCreate(ServiceUrl(), UriKind.Absolute, out _))
            problems.Add("Endpoint is not an absolute URL");
        if (string.IsNullOrWhiteSpace(Key))
            problems.Add("Key is not set");
        if (MaxAttempts < 1)
            problems.Add("MaxAttempts is below 1");
        return problems;
    }
}

/// <summary>An outside service gave no usable answer: unreachable, too slow, a refusal or an error status after the retries.</summary>
public sealed class ScreeningServiceException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Asks the optional outside services (Azure AI Content Safety, Akismet) about a message and turns
/// their answers into objections the rules weigh. A service that is off is never called; one that
/// fails holds the message with the reason, so that a failure never approves it silently.
/// </summary>
public sealed class ScreeningServices(IServiceProvider services, IOptions<ContentSafetyOptions> contentSafety,
    IOptions<AkismetOptions> akismet, ILogger<ScreeningServices> logger)
{
    public async Task<IReadOnlyList<ServiceObjection>> ScreenAsync(SolidarityMessage message, ScreenedText original,
        IReadOnlyList<ScreenedText> translations, CancellationToken cancellationToken)
    {
        var objections = new List<ServiceObjection>();
        if (contentSafety.Value.IsOn)
            objections.AddRange(await ContentSafetyAsync(original, translations, cancellationToken));
        if (akismet.Value.IsOn)
            objections.AddRange(await AkismetAsync(message, original, cancellationToken));
        return objections;
    }

    // Each text apart (the original, then each translation), in pieces the service accepts.
    private async Task<IReadOnlyList<ServiceObjection>> ContentSafetyAsync(ScreenedText original, IReadOnlyList<ScreenedText> translations,
        CancellationToken cancellationToken)
    {
        var options = contentSafety.Value;
        var client = services.GetRequiredService<ContentSafetyClient>();
        var texts = (options.ScreenTranslations ? translations : []).Select(t => (Text: t, Translated: true)).Prepend((original, false));
        var objections = new List<ServiceObjection>();
        foreach (var (text, translated) in texts)
        {
            try
            {
                var answers = new List<ContentSafetyAnalysis>();
                foreach (var piece in ContentSafety.Pieces(Content(text)))
                    answers.Add(await client.AnalyzeAsync(piece, cancellationToken));
                objections.AddRange(ContentSafety.Judge(text.Language, translated, answers, options));
            }
            catch (ScreeningServiceException e)
            {
                logger.LogWarning(e, "Azure AI Content Safety gave no answer for the {Language} text: {Reason}", text.Language, e.Message);
                objections.Add(ContentSafety.Unavailable(e.Message));
                break;
            }
        }
        return objections;
    }

    private async Task<IReadOnlyList<ServiceObjection>> AkismetAsync(SolidarityMessage message, ScreenedText original, CancellationToken cancellationToken)
    {
        var options = akismet.Value;
        try
        {
            var comment = new AkismetComment(
                Author: message.Author ?? message.SenderName,
                AuthorEmail: message.SenderEmail,
                Content: Content(original),
                Language: original.Language,
                ReceivedAt: message.ReceivedAt);
            var answer = await services.GetRequiredService<AkismetClient>().CheckAsync(comment, cancellationToken);
            if (answer.AlertCode is not null || answer.AlertMessage is not null)
                logger.LogWarning("Akismet alert {AlertCode}: {AlertMessage}", answer.AlertCode, answer.AlertMessage);
            return Akismet.Judge(answer, options);
        }
        catch (ScreeningServiceException e)
        {
            logger.LogWarning(e, "Akismet gave no answer for message {MessageId}: {Reason}", message.Id, e.Message);
            return [Akismet.Unavailable(e.Message)];
        }
    }

    /// <summary>What a service reads of a text: the title, a blank line, the body.</summary>
    public static string Content(ScreenedText text) => text.Title + "\n\n" + text.Body;
}

/// <summary>Registration and sending shared by the service clients.</summary>
public static class ScreeningHttp
{
    /// <summary>Case-insensitive reading; request bodies name their JSON properties explicitly.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The services' options (checked when the worker starts), their typed clients and the class that asks them.</summary>
    public static IServiceCollection AddScreeningServices(this IServiceCollection services)
    {
        services.AddScreeningClient<ContentSafetyClient, ContentSafetyOptions>(ContentSafetyOptions.Section);
        services.AddScreeningClient<AkismetClient, AkismetOptions>(AkismetOptions.Section);
        services.AddScoped<ScreeningServices>();
        return services;
    }

    /// <summary>
    /// As the translation providers do: a typed client whose pipeline retries (outside) around a
    /// per-attempt timeout (inside); HttpClient.Timeout bounds everything, Retry-After waits included.
    /// Registered always, created only when the service is on.
    /// </summary>
    private static void AddScreeningClient<TClient, TOptions>(this IServiceCollection services, string section)
        where TClient : class
        where TOptions : ScreeningServiceOptions
    {
        services.AddOptions<TOptions>().BindConfiguration(section)
            .Validate(o => !o.Enabled || o.Problems().Count == 0, $"{section}: Enabled is true but the service cannot be asked (Endpoint, Key and the rest must be set; see the README)")
            .ValidateOnStart();
        services.AddHttpClient<TClient>((provider, http) =>
            {
                var options = provider.GetRequiredService<IOptions<TOptions>>().Value;
                var url = options.ServiceUrl();
                http.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/");
                http.Timeout = options.TotalTimeout;
            })
            .AddResilienceHandler(section, (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<TOptions>>().Value;
                pipeline.AddRetry(HttpRetry.Options(options.MaxAttempts, options.BaseDelay, options.MaxDelay));
                pipeline.AddTimeout(options.RequestTimeout);
            });
    }

    /// <summary>Sends, turning every way of getting no answer into a <see cref="ScreeningServiceException"/>.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new ScreeningServiceException($"not reachable: {e.Message}", e);
        }
        catch (TimeoutRejectedException e)
        {
            throw new ScreeningServiceException("no answer in time", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout (all attempts together) ran out; the caller did not cancel.
            throw new ScreeningServiceException($"no answer within {http.Timeout.TotalSeconds:0} s", e);
        }
    }

    public static HttpContent JsonBody<T>(T value)
    {
        // A known length rather than a chunked upload, and the same bytes again on a retry.
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, Json));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    /// <summary>The start of an answer, for reasons and logs.</summary>
    public static string Excerpt(string body)
    {
        var flat = string.Join(' ', body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length > 200 ? flat[..200] + "…" : flat;
    }
}
