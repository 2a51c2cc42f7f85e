using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace Relay.ServiceDefaults;

/// <summary>How Relay retries a call to an outside HTTP service (a translation provider, a screening service).</summary>
public static class HttpRetry
{
    /// <summary>408, 429 and 5xx. Never 400, 401, 403 or 415: the same request would fail again.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>Exponential backoff with jitter over transient answers, connection errors and timed-out attempts; a Retry-After from the service wins over the computed delay.</summary>
    public static HttpRetryStrategyOptions Options(int maxAttempts, TimeSpan baseDelay, TimeSpan maxDelay) => new()
    {
        MaxRetryAttempts = Math.Max(0, maxAttempts - 1),
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = baseDelay,
        MaxDelay = maxDelay,
        ShouldRetryAfterHeader = true,
        ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
            .Handle<HttpRequestException>()
            .Handle<TimeoutRejectedException>()
            .HandleResult(response => IsTransient(response.StatusCode)),
    };
}
