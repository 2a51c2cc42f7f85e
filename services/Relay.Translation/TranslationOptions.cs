namespace Relay.Translation;

/// <summary>The "Translation" section.</summary>
public class TranslationOptions
{
    /// <summary>Languages of the public site: a message to be published is also translated into these, where a provider can.</summary>
    public List<string> PublicationLanguages { get; set; } = ["en", "es"];

    /// <summary>Languages the detector chooses among when a sender gives none (fewer languages: less memory, fewer confusions).</summary>
    public List<string> DetectableLanguages { get; set; } = ["en", "es", "fr", "pt", "ca", "de", "it", "ru", "uk", "be"];
}
