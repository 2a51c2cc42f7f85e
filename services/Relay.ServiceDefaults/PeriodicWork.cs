using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Relay.ServiceDefaults;

/// <summary>
/// Work a worker does on a timer (due retries, claims that ran out): once per interval, a failed
/// round logged and tried again at the next tick rather than stopping the process.
/// </summary>
public abstract class PeriodicWork(TimeSpan interval, ILogger logger) : BackgroundService
{
    /// <summary>What a round does, for the log ("Retrying deferred deliveries").</summary>
    protected abstract string Doing { get; }

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try { await RunOnceAsync(stoppingToken); }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "{Doing} failed; trying again in {Interval}", Doing, interval);
            }
        }
    }
}
