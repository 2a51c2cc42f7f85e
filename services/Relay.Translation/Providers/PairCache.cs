namespace Relay.Translation.Providers;

/// <summary>
/// A provider's pair list, asked for at most once per refresh period. When a refresh fails and an
/// older list is at hand, the older list is kept: the languages a provider offers rarely change, and
/// routing should not break because a language list could not be fetched.
/// </summary>
public sealed class PairCache(TimeSpan refresh, ILogger logger, string provider)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IReadOnlySet<LanguagePair>? _pairs;
    private DateTime _fetchedAt = DateTime.MinValue;

    public async Task<IReadOnlySet<LanguagePair>> GetAsync(Func<CancellationToken, Task<IReadOnlySet<LanguagePair>>> load, CancellationToken cancellationToken)
    {
        if (_pairs is { } fresh && DateTime.UtcNow - _fetchedAt < refresh)
            return fresh;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_pairs is { } current && DateTime.UtcNow - _fetchedAt < refresh)
                return current;
            try
            {
                _pairs = await load(cancellationToken);
                logger.LogInformation("{Provider} offers {Count} language pairs", provider, _pairs.Count);
            }
            catch (TranslationFailedException e) when (_pairs is not null)
            {
                logger.LogWarning(e, "{Provider}: could not refresh the language pairs; keeping the previous list", provider);
            }
            _fetchedAt = DateTime.UtcNow;
            return _pairs;
        }
        finally { _gate.Release(); }
    }
}
