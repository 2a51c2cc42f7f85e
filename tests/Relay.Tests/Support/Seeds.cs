namespace Relay.Tests.Support;

/// <summary>A letter from the seed pages: real solidarity messages that coordinators handle by hand today.</summary>
public sealed record SeedLetter(string Title, string Body);

/// <summary>Reads tests/data/seeds (copies of shared/seeds): each page lists letters, each ending in "Read more: …".</summary>
public static class Seeds
{
    private static readonly string[] PageChrome = ["About us", "Select language"];

    public static IReadOnlyList<SeedLetter> Letters { get; } = Load();

    public static string AllText => string.Join("\n\n", Directory.GetFiles(Folder, "*.txt").Order().Select(File.ReadAllText));

    private static string Folder => Path.Combine(AppContext.BaseDirectory, "seeds");

    private static List<SeedLetter> Load()
    {
        var letters = new List<SeedLetter>();
        foreach (var file in Directory.GetFiles(Folder, "*.txt").Order())
        {
            foreach (var block in File.ReadAllText(file).Replace("\r\n", "\n").Split("\nRead more:"))
            {
                var paragraphs = block.Split("\n\n").Select(p => p.Trim())
                    .Where(p => p.Length > 0 && !PageChrome.Contains(p) && !p.EndsWith("...", StringComparison.Ordinal))
                    .ToList();
                if (paragraphs.Count >= 2 && paragraphs[0].Length <= 200)
                    letters.Add(new SeedLetter(paragraphs[0], string.Join("\n\n", paragraphs.Skip(1))));
            }
        }
        if (letters.Count < 5)
            throw new InvalidOperationException($"Only {letters.Count} letters found in {Folder}.");
        return letters;
    }

    public static SeedLetter Cerrejon => Letters.First(l => l.Title.Contains("Cerrejon", StringComparison.Ordinal));
}
