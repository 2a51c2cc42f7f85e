using Microsoft.Extensions.Logging;

namespace Relay.ServiceDefaults.Telemetry;

/// <summary>
/// What an observable gauge returns when a scrape or an export asks: the last reading, at once, with
/// a fresh one started in the background when it is older than <see cref="MaxAge"/>. A gauge's
/// callback is synchronous and runs on the scrape; a database or an HTTP call must not run inside it,
/// nor more often than every 15 seconds however many scrapers ask.
/// </summary>
public sealed class CachedReading<T>(Func<Task<T>> read, T initial, ILogger logger)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(15);
    private volatile Box _last = new(initial);
    private DateTime _readAt = DateTime.MinValue;
    private int _reading;

    public T Current
    {
        get
        {
            if (DateTime.UtcNow - _readAt > MaxAge && Interlocked.Exchange(ref _reading, 1) == 0)
                _ = Task.Run(RefreshAsync);
            return _last.Value;
        }
    }

    /// <summary>Takes one reading now; a failed one keeps the last and is logged at Debug.</summary>
    public async Task RefreshAsync()
    {
        try
        {
            _last = new Box(await read());
        }
        catch (Exception e)
        {
            logger.LogDebug("Gauge reading failed: {Error}", e.Message);
        }
        finally
        {
            _readAt = DateTime.UtcNow;
            Volatile.Write(ref _reading, 0);
        }
    }

    private sealed record Box(T Value);
}
