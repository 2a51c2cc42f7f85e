using Lingua;
using Microsoft.Extensions.Options;
using Relay.ServiceDefaults;

namespace Relay.Translation.Detection;

/// <summary>The language of a text and how sure the detector is (0–1).</summary>
public readonly record struct DetectedLanguage(string? Language, double Confidence);

/// <summary>
/// Offline language identification (Lingua), restricted to the configured languages and built once
/// per process. Low-accuracy mode keeps it near 80 MB instead of ~500 MB; letters are long enough
/// for it to be reliable.
/// </summary>
public sealed class LanguageDetector(IOptions<TranslationOptions> options)
{
    private readonly Lazy<(Lingua.LanguageDetector Detector, Dictionary<Language, string> Tags)> _detector = new(() => Build(options.Value));

    public DetectedLanguage Detect(string text)
    {
        var (detector, tags) = _detector.Value;
        var best = detector.ComputeLanguageConfidenceValues(text).OrderByDescending(c => c.Value).FirstOrDefault();
        return tags.TryGetValue(best.Key, out var tag) && best.Value > 0
            ? new DetectedLanguage(tag, best.Value)
            : new DetectedLanguage(null, 0);
    }

    private static (Lingua.LanguageDetector, Dictionary<Language, string>) Build(TranslationOptions options)
    {
        var tags = Enum.GetValues<Language>()
            .Where(l => l != Language.Unknown)
            .Select(l => (Language: l, Tag: LanguageTags.FromIso6393(l.IsoCode6393().ToString())))
            .Where(l => l.Tag is not null && TranslationOptions.Split(options.DetectableLanguages).Contains(l.Tag))
            .ToDictionary(l => l.Language, l => l.Tag!);
        if (tags.Count < 2)
            throw new InvalidOperationException("Translation:DetectableLanguages must name at least two languages Lingua knows.");
        var detector = LanguageDetectorBuilder.FromLanguages([.. tags.Keys]).WithLowAccuracyMode().Build();
        return (detector, tags);
    }
}
