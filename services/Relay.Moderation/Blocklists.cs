using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Relay.Moderation;

/// <summary>
/// Blocked words and phrases by language ("all" for every language), matched as whole words,
/// ignoring case. A word boundary is any character that is not a letter, mark or digit, so that
/// "гроші" is a word in Cyrillic text as "money" is in Latin.
/// </summary>
public sealed partial class Blocklist
{
    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();

    public const string AllLanguages = "all";

    public static readonly Blocklist Empty = new(new Dictionary<string, IReadOnlyList<string>>());

    private readonly Dictionary<string, Regex> _byLanguage = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Terms by language code (a file name without ".txt").</summary>
    public Blocklist(IReadOnlyDictionary<string, IReadOnlyList<string>> terms)
    {
        foreach (var (language, list) in terms)
        {
            // Longest first, so that a phrase wins over a word it starts with.
            var alternatives = list.Select(t => t.Normalize(NormalizationForm.FormC))
                .Distinct(StringComparer.OrdinalIgnoreCase).OrderByDescending(t => t.Length)
                .Select(t => string.Join(@"\s+", t.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(Regex.Escape)))
                .ToList();
            if (alternatives.Count > 0)
                _byLanguage[language] = new Regex($@"(?<![\p{{L}}\p{{M}}\p{{N}}])(?:{string.Join('|', alternatives)})(?![\p{{L}}\p{{M}}\p{{N}}])",
                    RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        }
    }

    /// <summary>The words and phrases of one list file: a term a line; blank lines and lines starting with # are skipped.</summary>
    public static IReadOnlyList<string> ParseTerms(string file) =>
        file.Split('\n').Select(l => l.Trim().Trim('\uFEFF')).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    /// <summary>
    /// The blocked terms a text contains, as written in it, using the lists of its language ("pt-BR":
    /// pt-BR and pt) and the list for all languages.
    /// </summary>
    public IReadOnlyList<string> Find(string language, string text)
    {
        var lists = new[] { AllLanguages, language, language.Split('-')[0] }.Distinct(StringComparer.OrdinalIgnoreCase);
        var normalized = text.Normalize(NormalizationForm.FormC);
        return lists.Where(_byLanguage.ContainsKey)
            .SelectMany(l => _byLanguage[l].Matches(normalized).Select(m => WhiteSpace().Replace(m.Value, " ")))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }
}

/// <summary>
/// The blocklist files of <see cref="ModerationOptions.BlocklistDirectory"/>. Coordinators edit them
/// while the worker runs: each screening looks at the files' names, sizes and times (a few stat
/// calls) and reads them all again when one was added, removed or changed. A watcher would save
/// those calls but misses changes on some mounted volumes.
/// </summary>
public sealed class BlocklistFiles(IOptions<ModerationOptions> options, ILogger<BlocklistFiles> logger)
{
    private readonly Lock _lock = new();
    private string? _stamp;
    private Blocklist _current = Blocklist.Empty;

    public string Directory => Path.Combine(AppContext.BaseDirectory, options.Value.BlocklistDirectory);

    /// <summary>The lists as the files are now.</summary>
    public Blocklist Current
    {
        get
        {
            var folder = new DirectoryInfo(Directory);
            var files = folder.Exists ? folder.GetFiles("*.txt").OrderBy(f => f.Name, StringComparer.Ordinal).ToList() : [];
            var stamp = string.Join("|", files.Select(f => $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}"));
            lock (_lock)
            {
                if (stamp != _stamp)
                    Load(folder, files, stamp);
                return _current;
            }
        }
    }

    private void Load(DirectoryInfo folder, List<FileInfo> files, string stamp)
    {
        if (!folder.Exists)
        {
            logger.LogWarning("The blocklist folder {Folder} does not exist: no blocklist applies", folder.FullName);
            (_current, _stamp) = (Blocklist.Empty, stamp);
            return;
        }
        try
        {
            // "EN.txt" and "en.txt" are one list.
            var terms = files.GroupBy(f => Path.GetFileNameWithoutExtension(f.Name), StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)
                    [.. g.SelectMany(f => Blocklist.ParseTerms(File.ReadAllText(f.FullName, Encoding.UTF8)))], StringComparer.OrdinalIgnoreCase);
            (_current, _stamp) = (new Blocklist(terms), stamp);
            logger.LogInformation("Blocklists read from {Folder}: {Lists}", folder.FullName,
                string.Join(", ", terms.Select(t => $"{t.Key} ({t.Value.Count})")));
        }
        catch (IOException e)
        {
            // A file half-written by an editor: keep the lists as they were and read them again next time.
            logger.LogWarning(e, "Could not read the blocklists in {Folder}; the previous lists still apply", folder.FullName);
        }
    }
}
