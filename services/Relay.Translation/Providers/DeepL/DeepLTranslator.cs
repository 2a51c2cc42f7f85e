using Microsoft.Extensions.Options;
using Relay.ServiceDefaults;

namespace Relay.Translation.Providers.DeepL;

/// <summary>
/// DeepL as a provider: one request per target, texts batched within DeepL's limits (50 texts and
/// 128 KiB a request), language codes in DeepL's upper case, pairs from /v2/languages.
/// </summary>
public sealed class DeepLTranslator(IServiceProvider services, IOptions<DeepLOptions> options, ILogger<DeepLTranslator> logger)
    : ITranslationProvider
{
    public const int MaxTexts = 50;

    /// <summary>Keeps a request under 128 KiB even at four UTF-8 bytes a character.</summary>
    public const int MaxCharacters = 30_000;

    private readonly PairCache _pairs = new(options.Value.PairsRefresh, logger, "DeepL");

    public string Name => "deepl";

    public Task<IReadOnlySet<LanguagePair>> PairsAsync(CancellationToken cancellationToken) =>
        _pairs.GetAsync(async ct =>
        {
            var client = Client();
            var sources = await client.LanguagesAsync("source", ct);
            var targets = await client.LanguagesAsync("target", ct);
            return LanguagePairs.Cross(sources, targets);
        }, cancellationToken);

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> TranslateAsync(
        IReadOnlyList<string> texts, string from, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var client = Client();
        var plan = TextBatchPlan.Create(texts, MaxTexts, MaxCharacters);
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var to in targets.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var translated = new string?[plan.PieceCount];
            foreach (var batch in plan.Batches)
            {
                var answer = await client.TranslateAsync(batch.Select(plan.Core).ToList(), SourceLang(from), TargetLang(to), cancellationToken);
                if (answer.Count != batch.Count)
                    throw new TranslationFailedException($"DeepL answered {answer.Count} texts for {batch.Count} ({from}→{to}).");
                for (var i = 0; i < batch.Count; i++)
                    translated[batch[i]] = answer[i];
            }
            result[to] = plan.Assemble(translated);
        }
        return result;
    }

    /// <summary>DeepL's sources are bare languages ("EN"): a regional tag is cut to its language.</summary>
    public static string SourceLang(string tag) => LanguageTags.Primary(tag).ToUpperInvariant();

    /// <summary>
    /// Targets keep their region, which DeepL distinguishes ("pt-BR" → "PT-BR", "es" → "ES"). DeepL has
    /// deprecated bare "EN" and "PT" as targets: they go as British English and European Portuguese,
    /// the variants most of Relay's unions outside the Americas write; a union that wants another
    /// lists "en-US" or "pt-BR".
    /// </summary>
    public static string TargetLang(string tag) => tag.Trim().ToUpperInvariant() switch
    {
        "EN" => "EN-GB",
        "PT" => "PT-PT",
        var other => other,
    };

    // A typed client per call: the factory rotates its handlers, which a client held by a singleton would pin.
    private DeepLClient Client() => services.GetRequiredService<DeepLClient>();
}
