using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Delivery;

/// <summary>
/// Tries deferred deliveries again when they are due. The schedule lives in the database, so a
/// restarted worker picks up where the last one stopped; several workers may scan at once, since
/// each delivery is claimed before it is sent.
/// </summary>
public sealed class DeferredDeliveryScheduler(IServiceScopeFactory scopes, IOptions<DeliveryOptions> options, ILogger<DeferredDeliveryScheduler> logger)
    : PeriodicWork(options.Value.ScanInterval, logger)
{
    protected override string Doing => "Retrying deferred deliveries";

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => RetryDueAsync(cancellationToken);

    /// <summary>
    /// Runs the delivery stage for every approved message with a delivery that is due: deferred ones
    /// whose time has come, and pending ones whose sender's claim ran out (a worker that died mid-send).
    /// Returns how many messages it ran.
    /// </summary>
    public async Task<int> RetryDueAsync(CancellationToken cancellationToken)
    {
        List<Guid> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var now = DateTime.UtcNow;
            due = await scope.ServiceProvider.GetRequiredService<RelayDb>().Deliveries
                .Where(d => (d.Status == DeliveryStatus.Deferred || d.Status == DeliveryStatus.Pending) && d.NextAttemptAt <= now)
                .Select(d => d.MessageId).Distinct().Take(100).ToListAsync(cancellationToken);
        }
        foreach (var messageId in due)
        {
            await using var scope = scopes.CreateAsyncScope();
            try
            {
                await scope.ServiceProvider.GetRequiredService<DeliveryStage>().RunAsync(messageId, cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                // Another worker settled the message at the same moment: nothing is lost.
                logger.LogInformation("Message {MessageId} was settled by another worker meanwhile", messageId);
            }
        }
        return due.Count;
    }
}
