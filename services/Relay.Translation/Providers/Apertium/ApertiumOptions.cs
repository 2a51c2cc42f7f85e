namespace Relay.Translation.Providers.Apertium;

/// <summary>The "Apertium" section: the self-hosted APY server.</summary>
public class ApertiumOptions
{
    public string Url { get; set; } = "http://127.0.0.1:2737";
    /// <summary>APY answers in ~30 ms once a pair is warm; its own pipeline timeout is 10 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>APY truncates long input silently: requests stay under this many characters.</summary>
    public int MaxRequestCharacters { get; set; } = 1000;
    /// <summary>How long the list of installed pairs is trusted before it is asked for again.</summary>
    public TimeSpan PairsRefresh { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Attempts per request when APY fails transiently (connection refused, 5xx such as its pipeline timeout).</summary>
    public int MaxAttempts { get; set; } = 3;
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}
