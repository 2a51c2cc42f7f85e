namespace Relay.Translation.Providers.Azure;

/// <summary>The "Azure" section: Azure AI Translator v3, the global service, a regional or custom endpoint, or the on-prem container.</summary>
public class AzureTranslatorOptions : ProviderHttpOptions
{
    public const string Section = "Azure";

    /// <summary>May carry a path ("https://name.cognitiveservices.azure.com/translator/text/v3.0"); "translate" is appended to it.</summary>
    public string Endpoint { get; set; } = "https://api.cognitive.microsofttranslator.com";

    /// <summary>From configuration or the environment, never from code; the provider is registered only when it is set.</summary>
    public string Key { get; set; } = "";

    /// <summary>Required by regional and multi-service resources, sent only when set.</summary>
    public string? Region { get; set; }

    /// <summary>Comma-separated; when set, the pairs are every listed language to every other and /languages is not asked.</summary>
    public string? Languages { get; set; }

    public override string ServiceUrl() => Endpoint;
}
