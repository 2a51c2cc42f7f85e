using Relay.ServiceDefaults;

namespace Relay.Translation.Providers;

/// <summary>Builds pair sets from the language lists providers publish, reduced to BCP-47 primary subtags.</summary>
public static class LanguagePairs
{
    /// <summary>Every language to every other one (Azure translates between any two of its languages).</summary>
    public static IReadOnlySet<LanguagePair> AllToAll(IEnumerable<string> languages)
    {
        var list = languages.ToList();
        return Cross(list, list);
    }

    /// <summary>Every source to every target except itself; "EN-GB" and "en-us" both become "en".</summary>
    public static IReadOnlySet<LanguagePair> Cross(IEnumerable<string> sources, IEnumerable<string> targets)
    {
        var to = Primaries(targets);
        return Primaries(sources)
            .SelectMany(from => to.Where(target => target != from).Select(target => new LanguagePair(from, target)))
            .ToHashSet();
    }

    public static IReadOnlySet<LanguagePair> From(IEnumerable<(string Source, IEnumerable<string> Targets)> lists) =>
        lists.SelectMany(l => Cross([l.Source], l.Targets)).ToHashSet();

    private static HashSet<string> Primaries(IEnumerable<string> codes) =>
        codes.Select(c => c.Trim()).Where(c => c.Length > 0).Select(LanguageTags.Primary).ToHashSet();
}
