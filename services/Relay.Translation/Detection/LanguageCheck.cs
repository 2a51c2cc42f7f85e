using System.Globalization;

namespace Relay.Translation.Detection;

/// <summary>
/// What to flag about a message's language, for moderation: a detection too unsure to rely on,
/// or a stated language the text plainly is not in. Pure: the detection comes in as an argument.
/// </summary>
public static class LanguageCheck
{
    public static IReadOnlyList<string> Flags(string? stated, DetectedLanguage detected, string text, TranslationOptions options)
    {
        var letters = text.Count(char.IsLetter);
        if (stated is null)
            return detected.Language is null
                ? ["language-uncertain: the language could not be recognised; English was assumed"]
                : detected.Confidence < options.UncertainBelow
                    ? [$"language-uncertain: detected {detected.Language} with {Percent(detected.Confidence)} confidence"]
                    : [];

        var primary = stated.Split('-')[0].ToLowerInvariant();
        return detected.Language is not null && detected.Language != primary
            && detected.Confidence >= options.MismatchAbove && letters >= options.MismatchMinLetters
            ? [$"language-mismatch: stated {stated}, but the text reads as {detected.Language} ({Percent(detected.Confidence)})"]
            : [];
    }

    private static string Percent(double value) => Math.Round(value * 100).ToString(CultureInfo.InvariantCulture) + "%";
}
