using System.Text;
using System.Text.RegularExpressions;
using Relay.Translation.Providers;

namespace Relay.Translation;

/// <summary>A piece of text to translate, with the whitespace around it kept aside so it survives translation.</summary>
public readonly record struct TextChunk(string Leading, string Core, string Trailing);

/// <summary>
/// Splits text into requests a provider will not truncate (APY silently drops input past a few KB),
/// on sentence and line boundaries, and checks and tidies what comes back.
/// </summary>
public static partial class TextChunks
{
    // After a sentence end (with closing quotes or brackets) and its whitespace, or after a line break.
    [GeneratedRegex("""(?<=[.!?…。]['"”’»)\]]*\s+)|(?<=\n)""")]
    private static partial Regex SentenceBoundary();

    [GeneratedRegex("[ \t\u00A0]{2,}")]
    private static partial Regex RepeatedSpaces();

    public static IReadOnlyList<TextChunk> Split(string text, int maxCharacters)
    {
        var chunks = new List<TextChunk>();
        var current = new StringBuilder();
        foreach (var segment in SentenceBoundary().Split(text).Where(s => s.Length > 0).SelectMany(s => Cut(s, maxCharacters)))
        {
            if (current.Length > 0 && current.Length + segment.Length > maxCharacters)
            {
                chunks.Add(ToChunk(current.ToString()));
                current.Clear();
            }
            current.Append(segment);
        }
        if (current.Length > 0)
            chunks.Add(ToChunk(current.ToString()));
        return chunks;
    }

    /// <summary>A sentence longer than the limit is cut between words (or anywhere, if it has none).</summary>
    private static IEnumerable<string> Cut(string segment, int max)
    {
        while (segment.Length > max)
        {
            var at = segment.LastIndexOf(' ', max - 1, max);
            var length = at > 0 ? at + 1 : max;
            yield return segment[..length];
            segment = segment[length..];
        }
        yield return segment;
    }

    private static TextChunk ToChunk(string text)
    {
        var core = text.Trim();
        if (core.Length == 0)
            return new TextChunk(text, "", "");
        var start = text.IndexOf(core, StringComparison.Ordinal);
        return new TextChunk(text[..start], core, text[(start + core.Length)..]);
    }

    /// <summary>Collapses the doubled spaces and the spaces at line starts that a provider leaves.</summary>
    public static string Tidy(string output)
    {
        var lines = output.Replace("\r\n", "\n").Split('\n')
            .Select(line => RepeatedSpaces().Replace(line, " ").Trim());
        return string.Join('\n', lines).Trim();
    }

    /// <summary>
    /// Refuses output that lost part of its input: nothing back, far shorter text, or fewer line breaks
    /// (a paragraph dropped). A refused translation is retried and never stored.
    /// </summary>
    public static void EnsureComplete(string input, string output)
    {
        var problem = output.Trim().Length == 0 ? "came back empty"
            : output.Length < input.Length * 0.3 ? $"came back with {output.Length} characters for {input.Length}"
            : output.Count(c => c == '\n') < input.Count(c => c == '\n') ? "came back with fewer lines than it was given"
            : null;
        if (problem is not null)
            throw new TranslationFailedException($"The translation {problem}.");
    }
}
