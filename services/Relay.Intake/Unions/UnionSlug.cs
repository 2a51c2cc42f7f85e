using System.Globalization;
using System.Text;

namespace Relay.Intake;

/// <summary>
/// A union's name as the part of an email address that names it (relay+&lt;slug&gt;@…): lower case,
/// accents folded to ASCII, anything else a '-'. Pure, so the address a union is told and the one
/// the intake mailbox matches cannot drift.
/// </summary>
public static class UnionSlug
{
    // Letters that Unicode does not decompose into an ASCII letter and a mark.
    private static readonly Dictionary<char, string> Folded = new()
    {
        ['ß'] = "ss", ['æ'] = "ae", ['œ'] = "oe", ['ø'] = "o", ['ł'] = "l", ['đ'] = "d", ['ð'] = "d", ['þ'] = "th", ['ı'] = "i",
    };

    /// <summary>"Sintracarbón" → "sintracarbon"; "International Miners' Coordination" → "international-miners-coordination".
    /// A name with no Latin letter at all (Захист праці) gives a slug from its id instead.</summary>
    public static string Of(string name, Guid id)
    {
        var slug = new StringBuilder();
        foreach (var c in name.ToLowerInvariant().Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
                continue;
            var ascii = Folded.TryGetValue(c, out var f) ? f : c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c.ToString() : "-";
            if (ascii == "-" && (slug.Length == 0 || slug[^1] == '-'))
                continue;
            slug.Append(ascii);
        }
        var result = slug.ToString().Trim('-');
        return result.Any(char.IsAsciiLetter) ? result : "union-" + id.ToString("N")[..8];
    }

    /// <summary>The address that reaches Relay naming this union: relay+slug@domain for Relay's relay@domain.</summary>
    public static string Address(string slug, string mailboxAddress)
    {
        var at = mailboxAddress.LastIndexOf('@');
        return at < 0 ? mailboxAddress : $"{mailboxAddress[..at]}+{slug}{mailboxAddress[at..]}";
    }
}
