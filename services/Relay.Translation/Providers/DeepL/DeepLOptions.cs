namespace Relay.Translation.Providers.DeepL;

/// <summary>The "DeepL" section: DeepL API Free or Pro.</summary>
public class DeepLOptions : ProviderHttpOptions
{
    public const string Section = "DeepL";
    public const string FreeUrl = "https://api-free.deepl.com";
    public const string ProUrl = "https://api.deepl.com";

    /// <summary>From configuration or the environment, never from code; the provider is registered only when it is set.</summary>
    public string Key { get; set; } = "";

    /// <summary>Optional: by default chosen from the key, as Free keys (ending ":fx") only work on the Free host.</summary>
    public string? Url { get; set; }

    public override string ServiceUrl() =>
        !string.IsNullOrWhiteSpace(Url) ? Url
        : Key.Trim().EndsWith(":fx", StringComparison.Ordinal) ? FreeUrl
        : ProUrl;
}
