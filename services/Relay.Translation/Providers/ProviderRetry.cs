using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace Relay.Translation.Providers;

/// <summary>Which failures are worth another attempt, shared by the retry handler and the error messages.</summary>
public static class ProviderRetry
{
    /// <summary>408, 429 and 5xx. Never 400, 401, 403, 415 or DeepL's 456 (quota): the same request would fail again.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>Exponential backoff with jitter; a Retry-After from the provider wins over the computed delay.</summary>
    public static HttpRetryStrategyOptions Options(ProviderHttpOptions options) => new()
    {
        MaxRetryAttempts = Math.Max(0, options.MaxAttempts - 1),
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = options.BaseDelay,
        MaxDelay = options.MaxDelay,
        ShouldRetryAfterHeader = true,
        ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
            .Handle<HttpRequestException>()
            .Handle<TimeoutRejectedException>()
            .HandleResult(response => IsTransient(response.StatusCode)),
    };
}
