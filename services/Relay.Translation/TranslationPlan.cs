namespace Relay.Translation;

/// <summary>Which languages a message must be translated into, and which are welcome but need not wait.</summary>
/// <param name="Required">Each recipient's preferred language: without it the message waits for a human.</param>
/// <param name="Optional">Recipients' other languages and, for a message to publish, the site's languages.</param>
public sealed record TranslationPlan(IReadOnlyList<string> Required, IReadOnlyList<string> Optional)
{
    /// <summary>One translation per language, never one per recipient; none into the original's own language.</summary>
    public static TranslationPlan For(string source, IEnumerable<IReadOnlyList<string>> recipientLanguages,
        bool publish, IEnumerable<string> publicationLanguages)
    {
        var recipients = recipientLanguages.Where(l => l.Count > 0).ToList();
        var required = recipients.Select(l => l[0]).Where(l => !Same(l, source))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var optional = recipients.SelectMany(l => l.Skip(1))
            .Concat(publish ? publicationLanguages : [])
            .Where(l => !Same(l, source) && !required.Contains(l, StringComparer.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return new TranslationPlan(required, optional);
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
