namespace Relay.Translation.Providers;

/// <summary>What every HTTP provider's options section has: timeouts, retry backoff and how long the pair list is trusted.</summary>
public abstract class ProviderHttpOptions
{
    /// <summary>One attempt (Azure documents up to 15 s); a slow attempt is abandoned and retried like a failed one.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>All attempts and the waits between them, including waits a Retry-After asks for.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts in all, the first one included.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The first backoff delay; it doubles each retry, with jitter. Tests set a few milliseconds.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the provider's list of language pairs is trusted before it is asked for again.</summary>
    public TimeSpan PairsRefresh { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The address the provider's paths are relative to.</summary>
    public abstract string ServiceUrl();
}
