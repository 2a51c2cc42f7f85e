namespace Relay.Translation.Providers.LibreTranslate;

/// <summary>The "LibreTranslate" section: a LibreTranslate server, usually self-hosted.</summary>
public class LibreTranslateOptions : ProviderHttpOptions
{
    public const string Section = "LibreTranslate";

    /// <summary>The provider is registered only when it is set.</summary>
    public string Url { get; set; } = "";

    /// <summary>Only servers started with --api-keys ask for one.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Servers often run with --char-limit, and a CPU translates a long request slowly: long input is sent in parts.</summary>
    public int MaxCharactersPerRequest { get; set; } = 5_000;

    /// <summary>Servers may run with --batch-limit.</summary>
    public int MaxTextsPerRequest { get; set; } = 50;

    public override string ServiceUrl() => Url;
}
