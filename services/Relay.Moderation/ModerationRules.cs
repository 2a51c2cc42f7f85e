using System.Text.RegularExpressions;

namespace Relay.Moderation;

public enum ScreeningDecision { Approve, Hold, Reject }

/// <summary>What the rules decided, with one "code: reason" line per rule that objected.</summary>
public sealed record ScreeningResult(ScreeningDecision Decision, IReadOnlyList<string> Reasons);

/// <summary>A text the rules look at: the original or a translation (machine output is untrusted too).</summary>
public sealed record ScreenedText(string Language, string Title, string Body);

/// <summary>
/// The automatic rules, as pure functions. Each objection names a machine code and a reason a
/// person can read; any objection holds the message for a coordinator.
/// </summary>
public static partial class ModerationRules
{
    [GeneratedRegex(@"\b(?:https?://|www\.)[^\s<>""]+", RegexOptions.IgnoreCase)]
    private static partial Regex Link();

    [GeneratedRegex(@"<\s*/?\s*(script|iframe|object|embed|style|form|img|svg|a|meta|link)\b|javascript\s*:|\bon[a-z]+\s*=\s*[""']", RegexOptions.IgnoreCase)]
    private static partial Regex ActiveMarkup();

    // A tag name follows "<" directly, as in HTML: "wages < costs" and "3 < 5" are prose.
    [GeneratedRegex(@"</?[a-z][a-z0-9]*(\s[^<>]*)?/?>", RegexOptions.IgnoreCase)]
    private static partial Regex AnyTag();

    public static ScreeningResult Screen(ScreenedText original, IReadOnlyList<ScreenedText> translations, ModerationOptions options,
        IReadOnlyList<string>? languageFlags = null)
    {
        var reasons = new List<string>();

        // The translation stage's doubts: a stated language the text is not in, or a guess too unsure to trust.
        reasons.AddRange(languageFlags ?? []);

        var length = original.Body.Trim().Length;
        if (length < options.MinBodyCharacters)
            reasons.Add($"length: the body has {length} characters, fewer than {options.MinBodyCharacters}");

        var links = Link().Count(original.Title) + Link().Count(original.Body);
        if (links > options.MaxLinks)
            reasons.Add($"links: {links} links, more than {options.MaxLinks}");

        foreach (var text in translations.Prepend(original))
        {
            var content = text.Title + "\n" + text.Body;
            if (ActiveMarkup().IsMatch(content))
            {
                reasons.Add($"script: the {text.Language} text contains script or active markup");
                break;
            }
            if (AnyTag().IsMatch(content))
            {
                reasons.Add($"markup: the {text.Language} text contains HTML tags");
                break;
            }
        }

        return new ScreeningResult(reasons.Count == 0 ? ScreeningDecision.Approve : ScreeningDecision.Hold, reasons);
    }
}
