using System.Globalization;

namespace Relay.Moderation.Screening;

/// <summary>
/// The "Moderation:ContentSafety" section: Azure AI Content Safety's text analysis, off unless
/// Enabled with Endpoint and Key set. Each text is asked about on its own; a category whose severity
/// reaches its threshold objects with the code <see cref="ContentSafety.Code"/>.
/// </summary>
public sealed class ContentSafetyOptions : ScreeningServiceOptions
{
    public const string Section = "Moderation:ContentSafety";

    /// <summary>The resource's endpoint, as the portal shows it ("https://name.cognitiveservices.azure.com"); may carry a path prefix.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>
    /// <c>FourSeverityLevels</c> (severities 0, 2, 4, 6: the service's default) or <c>EightSeverityLevels</c> (0–7).
    /// The thresholds are on the same 0–7 scale either way.
    /// </summary>
    public string OutputType { get; set; } = ContentSafety.FourSeverityLevels;

    /// <summary>The severity at or above which each category objects; 0 leaves a category out of the request.</summary>
    public ContentSafetyThresholds Thresholds { get; set; } = new();

    /// <summary>Comma-separated names of blocklists kept in the Content Safety resource; a match objects. Default none.</summary>
    public string BlocklistNames { get; set; } = "";

    /// <summary>Whether every translation is sent too, not only the original (machine output is untrusted as well). Default true.</summary>
    public bool ScreenTranslations { get; set; } = true;

    public override string ServiceUrl() => Endpoint;

    public override IReadOnlyList<string> Problems()
    {
        var problems = base.Problems().ToList();
        if (OutputType is not (ContentSafety.FourSeverityLevels or ContentSafety.EightSeverityLevels))
            problems.Add($"OutputType is \"{OutputType}\", not {ContentSafety.FourSeverityLevels} or {ContentSafety.EightSeverityLevels}");
        if (Thresholds.ByCategory().Any(t => t.Threshold is < 0 or > 7))
            problems.Add("a threshold is outside 0–7");
        if (Thresholds.ByCategory().All(t => t.Threshold == 0))
            problems.Add("every threshold is 0: no category would be analysed");
        return problems;
    }
}

/// <summary>
/// Severities (0–7) at or above which a category objects. Medium (4) by default: letters about
/// strikes can describe violence against workers, which low severities catch; a coordinator still
/// reads what is held, and raising Violence to 6 trades that for fewer holds.
/// </summary>
public sealed class ContentSafetyThresholds
{
    public int Hate { get; set; } = 4;
    public int SelfHarm { get; set; } = 4;
    public int Sexual { get; set; } = 4;
    public int Violence { get; set; } = 4;

    /// <summary>The four categories, in the service's names, with their thresholds.</summary>
    public IEnumerable<(string Category, int Threshold)> ByCategory() =>
        [("Hate", Hate), ("SelfHarm", SelfHarm), ("Sexual", Sexual), ("Violence", Violence)];

    /// <summary>The categories to ask about: those with a threshold.</summary>
    public IReadOnlyList<string> Asked() => ByCategory().Where(t => t.Threshold > 0).Select(t => t.Category).ToList();
}

/// <summary>The answer to one <c>text:analyze</c> request (API version 2024-09-01).</summary>
public sealed record ContentSafetyAnalysis(List<CategoryAnalysis>? CategoriesAnalysis, List<BlocklistMatch>? BlocklistsMatch);

/// <summary>One category's severity: 0, 2, 4 or 6 with FourSeverityLevels, 0–7 with EightSeverityLevels.</summary>
public sealed record CategoryAnalysis(string? Category, int? Severity);

public sealed record BlocklistMatch(string? BlocklistName, string? BlocklistItemId, string? BlocklistItemText);

/// <summary>
/// Deciding from Azure AI Content Safety's answers, as pure functions. Request and answer shapes as in
/// https://learn.microsoft.com/en-us/rest/api/contentsafety/text-operations/analyze-text?view=rest-contentsafety-2024-09-01
/// (text of at most 10,000 Unicode characters; categoriesAnalysis [{category, severity}], blocklistsMatch).
/// </summary>
public static class ContentSafety
{
    public const string Code = "content-safety";
    public const string FourSeverityLevels = "FourSeverityLevels";
    public const string EightSeverityLevels = "EightSeverityLevels";

    /// <summary>The most a request's text may hold: 10,000 code points, so 10,000 UTF-16 units are always within it.</summary>
    public const int MaxCharacters = 10_000;

    /// <summary>
    /// A text cut into pieces of at most <paramref name="max"/> characters, after a space or line break
    /// where there is one in the piece's second half (a word cut in two could hide a term), never inside
    /// a surrogate pair. The pieces put together are the text.
    /// </summary>
    public static IReadOnlyList<string> Pieces(string text, int max = MaxCharacters)
    {
        var pieces = new List<string>();
        var start = 0;
        while (text.Length - start > max)
        {
            var end = start + max;
            var space = text.LastIndexOfAny([' ', '\n', '\t', '\r'], end - 1, max / 2);
            if (space >= 0)
                end = space + 1;
            else if (char.IsHighSurrogate(text[end - 1]))
                end--;
            pieces.Add(text[start..end]);
            start = end;
        }
        pieces.Add(text[start..]);
        return pieces;
    }

    /// <summary>
    /// The objections to one text from the answers to its pieces: each asked category whose highest
    /// severity reaches its threshold, and each blocklist that matched. One in a translation holds at
    /// most (the sender did not write it); a category missing from the answers means the text was not
    /// screened, which holds too.
    /// </summary>
    public static IReadOnlyList<ServiceObjection> Judge(string language, bool translated, IReadOnlyList<ContentSafetyAnalysis> answers,
        ContentSafetyOptions options)
    {
        var objections = new List<ServiceObjection>();
        var severities = answers.SelectMany(a => a.CategoriesAnalysis ?? [])
            .Where(c => c.Category is not null)
            .GroupBy(c => c.Category!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Max(c => c.Severity ?? 0), StringComparer.OrdinalIgnoreCase);

        var asked = options.Thresholds.ByCategory().Where(t => t.Threshold > 0).ToList();
        foreach (var (category, threshold) in asked)
            if (severities.TryGetValue(category, out var severity) && severity >= threshold)
                objections.Add(new(Code, string.Create(CultureInfo.InvariantCulture,
                    $"{category} severity {severity} in the {language} text, at or above {threshold}")) { HoldsAtMost = translated });
        var missing = asked.Where(t => !severities.ContainsKey(t.Category)).Select(t => t.Category).ToList();
        if (missing.Count > 0)
            objections.Add(Unavailable($"the answer for the {language} text has no severity for {string.Join(", ", missing)}"));

        foreach (var list in answers.SelectMany(a => a.BlocklistsMatch ?? []).GroupBy(m => m.BlocklistName ?? "?"))
        {
            var items = list.Select(m => m.BlocklistItemText).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).Select(t => $"\"{t}\"");
            objections.Add(new(Code, $"the {language} text matches the blocklist {list.Key} ({string.Join(", ", items)})") { HoldsAtMost = translated });
        }
        return objections;
    }

    /// <summary>No usable answer: held for a coordinator, never rejected on it.</summary>
    public static ServiceObjection Unavailable(string why) => new(Code, $"unavailable ({why})") { HoldsAtMost = true };
}
