using Relay.Translation.Providers;

namespace Relay.Translation;

/// <summary>One step of a route: a provider translating from one language into another.</summary>
public sealed record Hop(string From, string To, string Provider);

/// <summary>How a text gets from its language into another: one hop, or a pivot through others.</summary>
public sealed record Route(IReadOnlyList<Hop> Hops)
{
    public bool IsPivot => Hops.Count > 1;

    /// <summary>"fr>es>pt": the languages the text goes through.</summary>
    public string Path => string.Join('>', Hops.Select(h => h.From).Append(Hops[^1].To));

    /// <summary>"apertium" or, for a pivot, the providers of every hop ("apertium+azure").</summary>
    public string Providers => string.Join('+', Hops.Select(h => h.Provider).Distinct());

    public override string ToString() => $"{Path} ({Providers})";
}

/// <summary>
/// Finds the ways to translate between two languages, best first: the direct pair on each provider
/// in the order of preference, then the shortest pivots through languages the providers share
/// (fr→es→pt, ca→en→es). Pure: the installed pairs and preferences come in as arguments.
/// </summary>
public static class TranslationRoutes
{
    public static IReadOnlyList<Route> Find(
        string from, string to,
        IReadOnlyDictionary<string, IReadOnlySet<LanguagePair>> pairsByProvider,
        Func<string, string, IReadOnlyList<string>> preference,
        int maxHops)
    {
        if (from == to)
            return [];

        // Each direction with the providers allowed for it, in their order of preference.
        IReadOnlyList<string> ProvidersFor(string a, string b) =>
            preference(a, b).Where(p => pairsByProvider.TryGetValue(p, out var pairs) && pairs.Contains(new LanguagePair(a, b))).ToList();

        var routes = ProvidersFor(from, to).Select(p => new Route([new Hop(from, to, p)])).ToList();

        // Breadth-first over languages for the shortest pivots; each hop uses its preferred provider.
        var edges = pairsByProvider.Values.SelectMany(p => p).Distinct()
            .GroupBy(p => p.From).ToDictionary(g => g.Key, g => g.Select(p => p.To).Order().ToList());
        var frontier = new List<List<string>> { new() { from } };
        for (var hops = 2; hops <= maxHops && routes.Count(r => r.IsPivot) == 0; hops++)
        {
            var next = new List<List<string>>();
            foreach (var path in frontier)
                foreach (var language in edges.GetValueOrDefault(path[^1]) ?? [])
                    if (language != to && !path.Contains(language))
                        next.Add([.. path, language]);
            frontier = next;
            foreach (var path in frontier.Where(p => edges.GetValueOrDefault(p[^1])?.Contains(to) == true))
            {
                var languages = path.Append(to).ToList();
                var hopsOnRoute = languages.Zip(languages.Skip(1), (a, b) => (a, b, providers: ProvidersFor(a, b))).ToList();
                if (hopsOnRoute.All(h => h.providers.Count > 0))
                    routes.Add(new Route(hopsOnRoute.Select(h => new Hop(h.a, h.b, h.providers[0])).ToList()));
            }
        }
        return routes;
    }
}
