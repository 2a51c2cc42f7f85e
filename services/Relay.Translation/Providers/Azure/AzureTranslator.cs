using Microsoft.Extensions.Options;

namespace Relay.Translation.Providers.Azure;

/// <summary>
/// Azure AI Translator as a provider. All targets go in one request where Translator's limits allow:
/// at most 1,000 elements and 50,000 characters a request, the characters counted once per target.
/// Beyond that the targets are split into groups first (fewer, larger requests), then the texts, and
/// a text too long for one request is cut on sentence boundaries and rejoined.
/// </summary>
public sealed class AzureTranslator(IServiceProvider services, IOptions<AzureTranslatorOptions> options, ILogger<AzureTranslator> logger)
    : ITranslationProvider
{
    public const int MaxElements = 1_000;
    public const int MaxCharacters = 50_000;

    private readonly AzureTranslatorOptions _options = options.Value;
    private readonly PairCache _pairs = new(options.Value.PairsRefresh, logger, "Azure Translator");

    public string Name => "azure";

    public Task<IReadOnlySet<LanguagePair>> PairsAsync(CancellationToken cancellationToken) =>
        _pairs.GetAsync(LoadPairsAsync, cancellationToken);

    private async Task<IReadOnlySet<LanguagePair>> LoadPairsAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(_options.Languages))
            return LanguagePairs.AllToAll(_options.Languages.Split(','));
        return LanguagePairs.AllToAll(await Client().LanguagesAsync(cancellationToken));
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> TranslateAsync(
        IReadOnlyList<string> texts, string from, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var wanted = targets.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        if (wanted.Count == 0)
            return result;

        var client = Client();
        foreach (var group in wanted.Chunk(TargetsPerRequest(texts, wanted.Count)))
        {
            var plan = TextBatchPlan.Create(texts, MaxElements, MaxCharacters / group.Length);
            var translated = group.ToDictionary(to => to, _ => new string?[plan.PieceCount]);
            foreach (var batch in plan.Batches)
            {
                var items = await client.TranslateAsync(batch.Select(plan.Core).ToList(), from, group, cancellationToken);
                Collect(items, batch, group, translated);
            }
            foreach (var to in group)
                result[to] = plan.Assemble(translated[to]);
            logger.LogDebug("Azure translated {Texts} texts {From}→{Targets} in {Requests} requests",
                texts.Count, from, string.Join(",", group), plan.Batches.Count);
        }
        return result;
    }

    /// <summary>As many targets per request as the characters allow, at least one.</summary>
    private static int TargetsPerRequest(IReadOnlyList<string> texts, int targets)
    {
        var characters = texts.Where(t => !string.IsNullOrWhiteSpace(t)).Sum(t => (long)t.Length);
        return characters == 0 ? targets : (int)Math.Clamp(MaxCharacters / characters, 1, targets);
    }

    /// <summary>Every element and, in each, every target must have come back, or the answer is refused.</summary>
    private static void Collect(IReadOnlyList<AzureTranslateItem> items, IReadOnlyList<int> batch, string[] group, Dictionary<string, string?[]> translated)
    {
        if (items.Count != batch.Count)
            throw new TranslationFailedException($"Azure Translator answered {items.Count} elements for {batch.Count}.");
        for (var i = 0; i < items.Count; i++)
            foreach (var to in group)
                translated[to][batch[i]] = items[i].Translations?
                    .FirstOrDefault(t => string.Equals(t.To, to, StringComparison.OrdinalIgnoreCase))?.Text
                    ?? throw new TranslationFailedException($"Azure Translator answered element {i} without a translation to {to}.");
    }

    // A typed client per call: the factory rotates its handlers, which a client held by a singleton would pin.
    private AzureTranslatorClient Client() => services.GetRequiredService<AzureTranslatorClient>();
}
