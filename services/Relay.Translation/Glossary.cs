using System.Text;
using System.Text.RegularExpressions;
using Relay.Translation.Providers;

namespace Relay.Translation;

/// <summary>A term kept as written, or given a fixed rendering in some languages.</summary>
public sealed record GlossaryEntry(string Term, IReadOnlyDictionary<string, string> Renderings);

/// <summary>A text whose glossary terms stand replaced by placeholders, and what each placeholder stands for.</summary>
public sealed record ProtectedText(string Text, IReadOnlyList<Placeholder> Placeholders);

/// <summary>One occurrence of a term: its token, the entry and the words as the author wrote them.</summary>
public sealed record Placeholder(string Token, GlossaryEntry Entry, string Original);

/// <summary>
/// Keeps names, places and slogans through machine translation, for every provider: each
/// occurrence is replaced by a token providers pass through untouched ("QQ3QQ" survived every
/// installed Apertium pair), and restored after translation as written or as the glossary renders
/// it in the target language. A token that does not come back fails the translation.
/// </summary>
public static partial class Glossary
{
    public static ProtectedText Protect(string text, IReadOnlyList<GlossaryEntry> entries)
    {
        if (entries.Count == 0 || text.Length == 0)
            return new ProtectedText(text, []);
        // Longest terms first, so "Miners' Coordination of Colombia" wins over "Colombia".
        var terms = entries.Where(e => e.Term.Trim().Length > 0).OrderByDescending(e => e.Term.Length).ToList();
        var pattern = new Regex(
            @"(?<![\p{L}\p{N}])(" + string.Join('|', terms.Select(t => Regex.Escape(t.Term.Trim()))) + @")(?![\p{L}\p{N}])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        var letters = text.Contains("QQ", StringComparison.OrdinalIgnoreCase) ? "ZZ" : "QQ";
        var placeholders = new List<Placeholder>();
        var result = pattern.Replace(text, match =>
        {
            var entry = terms.First(t => string.Equals(t.Term.Trim(), match.Value, StringComparison.OrdinalIgnoreCase));
            var token = $"{letters}{placeholders.Count + 1}{letters}";
            placeholders.Add(new Placeholder(token, entry, match.Value));
            return token;
        });
        return new ProtectedText(result, placeholders);
    }

    /// <exception cref="TranslationFailedException">A placeholder was lost or repeated by the provider.</exception>
    public static string Restore(string translated, ProtectedText source, string targetLanguage)
    {
        var result = new StringBuilder(translated);
        foreach (var placeholder in source.Placeholders)
        {
            var found = Regex.Matches(result.ToString(), Regex.Escape(placeholder.Token), RegexOptions.IgnoreCase);
            if (found.Count != 1)
                throw new TranslationFailedException(
                    $"The glossary term '{placeholder.Original}' came back {found.Count} times instead of once.", transient: false);
            var rendering = placeholder.Entry.Renderings.TryGetValue(targetLanguage, out var fixedRendering) ? fixedRendering : placeholder.Original;
            result.Remove(found[0].Index, found[0].Length).Insert(found[0].Index, rendering);
        }
        return result.ToString();
    }
}
