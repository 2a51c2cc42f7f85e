using Relay.Translation.Providers;

namespace Relay.Translation;

/// <summary>
/// Carries texts along a route, hop by hop, asking providers only for what the cache lacks and
/// counting what each provider was sent.
/// </summary>
public sealed class RouteTranslator(IEnumerable<ITranslationProvider> providers, TranslationCache cache)
{
    private readonly Dictionary<string, ITranslationProvider> _providers = providers.ToDictionary(p => p.Name);

    public async Task<IReadOnlyList<string>> TranslateAsync(Route route, IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var current = texts;
        foreach (var hop in route.Hops)
            current = (await TranslateAsync(hop.Provider, current, hop.From, [hop.To], cancellationToken))[hop.To];
        return current;
    }

    /// <summary>One provider, one source language, several targets (one request where the provider allows).</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> TranslateAsync(
        string providerName, IReadOnlyList<string> texts, string from, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var provider = _providers[providerName];
        var keys = targets.ToDictionary(t => t, t => texts.Select(text => TranslationCache.Key(from, t, text)).ToList());
        var cached = await cache.FindAsync(keys.Values.SelectMany(k => k), cancellationToken);

        // Texts some target still lacks; empty texts need no provider.
        var missing = texts.Where((text, i) => text.Trim().Length > 0 && targets.Any(t => !cached.ContainsKey(keys[t][i]))).Distinct().ToList();
        var fresh = new Dictionary<string, IReadOnlyList<string>>();
        var needy = targets.Where(t => texts.Where((text, i) => text.Trim().Length > 0 && !cached.ContainsKey(keys[t][i])).Any()).ToList();
        if (missing.Count > 0 && needy.Count > 0)
        {
            fresh = (await provider.TranslateAsync(missing, from, needy, cancellationToken)).ToDictionary();
            await cache.CountAsync(provider.Name, missing.Sum(t => (long)t.Length) * needy.Count, cancellationToken);
            foreach (var target in needy)
                for (var i = 0; i < missing.Count; i++)
                    await cache.StoreAsync(from, target, missing[i], fresh[target][i], provider.Name, cancellationToken);
        }

        return targets.ToDictionary(t => t, t => (IReadOnlyList<string>)texts.Select((text, i) =>
            text.Trim().Length == 0 ? text
            : cached.TryGetValue(keys[t][i], out var hit) ? hit
            : fresh[t][missing.IndexOf(text)]).ToList());
    }

    /// <summary>Every enabled provider's pairs; a provider that cannot say (down) offers none this time.</summary>
    public async Task<(IReadOnlyDictionary<string, IReadOnlySet<LanguagePair>> Pairs, IReadOnlyList<string> Problems)> PairsAsync(CancellationToken cancellationToken)
    {
        var pairs = new Dictionary<string, IReadOnlySet<LanguagePair>>();
        var problems = new List<string>();
        foreach (var provider in _providers.Values)
        {
            try { pairs[provider.Name] = await provider.PairsAsync(cancellationToken); }
            catch (TranslationFailedException e) { problems.Add($"{provider.Name}: {e.Message}"); }
        }
        return (pairs, problems);
    }
}
