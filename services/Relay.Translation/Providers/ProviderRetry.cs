using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Relay.ServiceDefaults;
using Polly;
using Polly.Timeout;

namespace Relay.Translation.Providers;

/// <summary>Which failures are worth another attempt, shared by the retry handler and the error messages.</summary>
public static class ProviderRetry
{
    /// <summary>408, 429 and 5xx. Never 400, 401, 403, 415 or DeepL's 456 (quota): the same request would fail again.</summary>
    public static bool IsTransient(HttpStatusCode status) => HttpRetry.IsTransient(status);

    /// <summary>Exponential backoff with jitter; a Retry-After from the provider wins over the computed delay.</summary>
    public static HttpRetryStrategyOptions Options(ProviderHttpOptions options) => HttpRetry.Options(options.MaxAttempts, options.BaseDelay, options.MaxDelay);
}
