using System.Text;
using Microsoft.Extensions.Options;
using Relay.ServiceDefaults;

namespace Relay.Translation.Apertium;

/// <summary>
/// Apertium APY as a provider: learns the installed pairs from /listPairs (refreshed periodically),
/// sends at most ~1,000 characters a request on sentence boundaries, and checks every piece came back.
/// </summary>
public sealed class ApertiumTranslator(IServiceProvider services, IOptions<ApertiumOptions> options, ILogger<ApertiumTranslator> logger) : ITranslator
{
    private readonly ApertiumOptions _options = options.Value;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private HashSet<(string, string)> _pairs = [];
    private DateTime _pairsAt = DateTime.MinValue;

    public string Name => "apertium";

    public async Task<bool> SupportsAsync(string from, string to, CancellationToken cancellationToken)
    {
        var pairs = await PairsAsync(cancellationToken);
        return LanguageTags.ToAlpha3(from) is { } source && LanguageTags.ToAlpha3(to) is { } target
            && pairs.Contains((source, target));
    }

    public async Task<string> TranslateAsync(string text, string from, string to, CancellationToken cancellationToken)
    {
        var pair = $"{LanguageTags.ToAlpha3(from)}|{LanguageTags.ToAlpha3(to)}";
        var client = services.GetRequiredService<ApertiumClient>();
        var result = new StringBuilder(text.Length + 64);
        foreach (var chunk in TextChunks.Split(text, _options.MaxRequestCharacters))
        {
            result.Append(chunk.Leading);
            if (chunk.Core.Length > 0)
            {
                var output = await client.TranslateAsync(chunk.Core, pair, cancellationToken);
                TextChunks.EnsureComplete(chunk.Core, output);
                result.Append(TextChunks.Tidy(output));
            }
            result.Append(chunk.Trailing);
        }
        return result.ToString();
    }

    private async Task<HashSet<(string, string)>> PairsAsync(CancellationToken cancellationToken)
    {
        if (DateTime.UtcNow - _pairsAt < _options.PairsRefresh)
            return _pairs;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (DateTime.UtcNow - _pairsAt >= _options.PairsRefresh)
            {
                var client = services.GetRequiredService<ApertiumClient>();
                _pairs = (await client.ListPairsAsync(cancellationToken)).ToHashSet();
                _pairsAt = DateTime.UtcNow;
                logger.LogInformation("Apertium pairs: {Pairs}", string.Join(", ", _pairs.Select(p => $"{p.Item1}→{p.Item2}")));
            }
            return _pairs;
        }
        finally { _refresh.Release(); }
    }
}
