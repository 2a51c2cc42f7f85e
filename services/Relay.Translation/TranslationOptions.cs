namespace Relay.Translation;

/// <summary>The "Translation" section. Language lists are comma-separated BCP-47 codes (one environment variable each).</summary>
public class TranslationOptions
{
    /// <summary>Languages of the public site: a message to be published is also translated into these, where a provider can.</summary>
    public string PublicationLanguages { get; set; } = "en,es";

    /// <summary>Languages the detector chooses among when a sender gives none (fewer languages: less memory, fewer confusions).</summary>
    public string DetectableLanguages { get; set; } = "en,es,fr,pt,ca,de,it,ru,uk,be";

    public static IReadOnlyList<string> Split(string languages) =>
        languages.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
