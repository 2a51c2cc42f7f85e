using Microsoft.Extensions.Options;

namespace Relay.Translation.Providers.LibreTranslate;

/// <summary>LibreTranslate as a provider: one request per target (and per part, for long input), pairs from /languages.</summary>
public sealed class LibreTranslateTranslator(IServiceProvider services, IOptions<LibreTranslateOptions> options, ILogger<LibreTranslateTranslator> logger)
    : ITranslationProvider
{
    private readonly LibreTranslateOptions _options = options.Value;
    private readonly PairCache _pairs = new(options.Value.PairsRefresh, logger, "LibreTranslate");

    public string Name => "libretranslate";

    public Task<IReadOnlySet<LanguagePair>> PairsAsync(CancellationToken cancellationToken) =>
        _pairs.GetAsync(async ct => LanguagePairs.From(
            (await Client().LanguagesAsync(ct)).Select(l => (l.Code, (IEnumerable<string>)(l.Targets ?? [])))), cancellationToken);

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> TranslateAsync(
        IReadOnlyList<string> texts, string from, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var client = Client();
        var plan = TextBatchPlan.Create(texts, _options.MaxTextsPerRequest, _options.MaxCharactersPerRequest);
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var to in targets.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var translated = new string?[plan.PieceCount];
            foreach (var batch in plan.Batches)
            {
                var answer = await client.TranslateAsync(batch.Select(plan.Core).ToList(), from, to, cancellationToken);
                if (answer.Count != batch.Count)
                    throw new TranslationFailedException($"LibreTranslate answered {answer.Count} texts for {batch.Count} ({from}→{to}).");
                for (var i = 0; i < batch.Count; i++)
                    translated[batch[i]] = answer[i];
            }
            result[to] = plan.Assemble(translated);
        }
        return result;
    }

    // A typed client per call: the factory rotates its handlers, which a client held by a singleton would pin.
    private LibreTranslateClient Client() => services.GetRequiredService<LibreTranslateClient>();
}
