using System.Text;
using Microsoft.Extensions.Options;
using Relay.ServiceDefaults;

namespace Relay.Translation.Providers.Apertium;

/// <summary>
/// Apertium APY as a provider: learns the installed pairs from /listPairs (refreshed periodically),
/// sends at most ~1,000 characters a request on sentence boundaries (APY truncates long input
/// silently), checks every piece came back and tidies the spacing it leaves.
/// </summary>
public sealed class ApertiumTranslator(IServiceProvider services, IOptions<ApertiumOptions> options, ILogger<ApertiumTranslator> logger) : ITranslationProvider
{
    private readonly ApertiumOptions _options = options.Value;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private IReadOnlySet<LanguagePair> _pairs = new HashSet<LanguagePair>();
    private DateTime _pairsAt = DateTime.MinValue;

    public string Name => "apertium";

    public async Task<IReadOnlySet<LanguagePair>> PairsAsync(CancellationToken cancellationToken)
    {
        if (DateTime.UtcNow - _pairsAt < _options.PairsRefresh)
            return _pairs;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (DateTime.UtcNow - _pairsAt >= _options.PairsRefresh)
            {
                var installed = await Client.ListPairsAsync(cancellationToken);
                // Variants ("por_BR", "cat_valencia") are left out: a union asks for "pt" or "ca".
                _pairs = installed
                    .Select(p => (From: LanguageTags.FromIso6393(p.Source), To: LanguageTags.FromIso6393(p.Target)))
                    .Where(p => p.From is not null && p.To is not null)
                    .Select(p => new LanguagePair(p.From!, p.To!))
                    .ToHashSet();
                _pairsAt = DateTime.UtcNow;
                logger.LogInformation("Apertium pairs: {Pairs}", string.Join(", ", _pairs.Select(p => p.ToString()).Order()));
            }
            return _pairs;
        }
        catch (HttpRequestException e)
        {
            throw new TranslationFailedException($"APY at {_options.Url} does not answer: {e.Message}", transient: true, e);
        }
        finally { _refresh.Release(); }
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> TranslateAsync(
        IReadOnlyList<string> texts, string from, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var target in targets)
        {
            var pair = $"{LanguageTags.ToAlpha3(from)}|{LanguageTags.ToAlpha3(target)}";
            var translated = new List<string>(texts.Count);
            foreach (var text in texts)
                translated.Add(await TranslateAsync(text, pair, cancellationToken));
            result[target] = translated;
        }
        return result;
    }

    private async Task<string> TranslateAsync(string text, string pair, CancellationToken cancellationToken)
    {
        var result = new StringBuilder(text.Length + 64);
        foreach (var chunk in TextChunks.Split(text, _options.MaxRequestCharacters))
        {
            result.Append(chunk.Leading);
            if (chunk.Core.Length > 0)
            {
                var output = await Client.TranslateAsync(chunk.Core, pair, cancellationToken);
                TextChunks.EnsureComplete(chunk.Core, output);
                result.Append(TextChunks.Tidy(output));
            }
            result.Append(chunk.Trailing);
        }
        return result.ToString();
    }

    private ApertiumClient Client => services.GetRequiredService<ApertiumClient>();
}
