namespace Relay.Translation;

/// <summary>The "Translation" section. Language and provider lists are comma-separated (one environment variable each).</summary>
public class TranslationOptions
{
    /// <summary>
    /// Providers in order of preference, for every pair that <see cref="PairProviders"/> does not
    /// name. Only configured providers take part (Apertium by its URL, Azure and DeepL by their
    /// keys, LibreTranslate by its URL).
    /// </summary>
    public string Providers { get; set; } = "apertium,azure,deepl,libretranslate";

    /// <summary>Per-pair preference, keyed "from-to" ("en-uk": "deepl,azure"); providers not named are not used for that pair.</summary>
    public Dictionary<string, string> PairProviders { get; set; } = [];

    /// <summary>Most hops a pivot may take (fr→es→pt is two).</summary>
    public int MaxHops { get; set; } = 3;

    /// <summary>Languages of the public site: a message to be published is also translated into these, where a provider can.</summary>
    public string PublicationLanguages { get; set; } = "en,es";

    /// <summary>Languages the detector chooses among when a sender gives none (fewer languages: less memory, fewer confusions).</summary>
    public string DetectableLanguages { get; set; } = "en,es,fr,pt,ca,de,it,ru,uk,be";

    /// <summary>A detected language below this confidence is flagged as uncertain.</summary>
    public double UncertainBelow { get; set; } = 0.7;

    /// <summary>A stated language is flagged when the detector is at least this sure of another one…</summary>
    public double MismatchAbove { get; set; } = 0.9;

    /// <summary>…and the text has at least this many letters (short texts fool detectors).</summary>
    public int MismatchMinLetters { get; set; } = 40;

    /// <summary>A message waiting for a translation (a provider failed or was too slow) is tried again this long after its last attempt…</summary>
    public TimeSpan RetryAwaitingEvery { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>…until this long after it was received; then it waits for a coordinator.</summary>
    public TimeSpan RetryAwaitingFor { get; set; } = TimeSpan.FromDays(2);

    public static IReadOnlyList<string> Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The providers to use for a pair, in order.</summary>
    public IReadOnlyList<string> PreferenceFor(string from, string to) =>
        Split(PairProviders.TryGetValue($"{from}-{to}", out var pair) ? pair : Providers);
}
