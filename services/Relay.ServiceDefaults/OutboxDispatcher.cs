using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Storage;

namespace Relay.ServiceDefaults;

/// <summary>
/// Publishes the events recorded in the outbox table, with publisher confirms, then marks them
/// dispatched. Every process runs one; a batch is claimed with a lease so that competing
/// dispatchers do not publish the same rows, and rows of a crashed dispatcher are taken over when
/// the lease ends. Delivery is at least once: consumers are idempotent, and the bus MessageId is
/// the row's EventId so a repeat is recognisable.
/// </summary>
public sealed class OutboxDispatcher(
    IServiceScopeFactory scopes,
    IBus bus,
    OutboxSignal signal,
    IOptions<OutboxOptions> options,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private readonly OutboxOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var nextPurge = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (DateTime.UtcNow >= nextPurge)
                {
                    await PurgeDispatchedAsync(stoppingToken);
                    nextPurge = DateTime.UtcNow + _options.PurgeEvery;
                }
                if (await DispatchBatchAsync(stoppingToken) == _options.BatchSize)
                    continue;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Outbox dispatch failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }

            try { await signal.WaitAsync(_options.PollInterval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Claims and publishes one batch; returns how many rows were waiting in it (the batch size when more may wait).</summary>
    public async Task<int> DispatchBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RelayDb>();
        var now = DateTime.UtcNow;

        // A plain read first: an idle outbox is the common case and needs no write lock. The batch is
        // then claimed and read back by its ids, through the primary key: reading it back by its lock
        // token scanned the whole table, dispatched rows included, once a batch (measured: the intake
        // benchmark's outbox of 40,000 rows fell ever further behind).
        var candidates = await Pending(db, now).OrderBy(o => o.Id).Take(_options.BatchSize).Select(o => o.Id).ToListAsync(cancellationToken);
        if (candidates.Count == 0)
            return 0;

        var token = Guid.NewGuid();
        // The pending condition is checked again by the claim itself: PostgreSQL re-checks it on a row
        // another dispatcher has just claimed, so two dispatchers that read the same candidates cannot
        // both claim (and publish) a row.
        var claimed = await Pending(db, now).Where(o => candidates.Contains(o.Id))
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.LockToken, token)
                .SetProperty(o => o.LockedUntil, now + _options.Lease)
                .SetProperty(o => o.Attempts, o => o.Attempts + 1), cancellationToken);
        if (claimed == 0)
            return 0;

        var rows = await db.Outbox.AsNoTracking().Where(o => candidates.Contains(o.Id) && o.LockToken == token).OrderBy(o => o.Id)
            .ToListAsync(cancellationToken);
        var outcomes = await Task.WhenAll(rows.Select(row => PublishAsync(row, cancellationToken)));

        var published = outcomes.Where(o => o.Error is null).Select(o => o.Row.Id).ToList();
        if (published.Count > 0)
            await db.Outbox.Where(o => published.Contains(o.Id)).ExecuteUpdateAsync(s => s
                .SetProperty(o => o.DispatchedAt, DateTime.UtcNow)
                .SetProperty(o => o.LockToken, (Guid?)null)
                .SetProperty(o => o.LockedUntil, (DateTime?)null), CancellationToken.None);

        foreach (var (row, error) in outcomes.Where(o => o.Error is not null))
        {
            // Release soon rather than at the end of the lease, so a broker that comes back is used at once.
            await db.Outbox.Where(o => o.Id == row.Id).ExecuteUpdateAsync(s => s
                .SetProperty(o => o.LastError, error)
                .SetProperty(o => o.LockedUntil, DateTime.UtcNow.AddSeconds(2)), CancellationToken.None);
        }
        // A full batch of candidates says more may be waiting, even if another dispatcher took some of them.
        return candidates.Count;
    }

    /// <summary>
    /// Deletes the events published longer ago than Outbox:KeepDispatchedFor, a thousand at a time so
    /// that no delete holds SQLite's lock for long; returns how many. An event's row is only the way to
    /// the broker: once published, what it caused is recorded where it happened (messages, deliveries,
    /// the audit log). Every dispatcher runs it; two at once delete nothing twice.
    /// </summary>
    public async Task<int> PurgeDispatchedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RelayDb>();
        var before = DateTime.UtcNow - _options.KeepDispatchedFor;
        var total = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var chunk = db.Outbox.Where(o => o.DispatchedAt != null && o.DispatchedAt < before).OrderBy(o => o.Id).Take(1000).Select(o => o.Id);
            var deleted = await db.Outbox.Where(o => chunk.Contains(o.Id)).ExecuteDeleteAsync(cancellationToken);
            total += deleted;
            if (deleted < 1000)
                break;
        }
        if (total > 0)
            logger.LogInformation("Deleted {Count} outbox events published before {Before:u}", total, before);
        return total;
    }

    private static IQueryable<OutboxMessage> Pending(RelayDb db, DateTime now) =>
        db.Outbox.Where(o => o.DispatchedAt == null && (o.LockedUntil == null || o.LockedUntil < now));

    private async Task<(OutboxMessage Row, string? Error)> PublishAsync(OutboxMessage row, CancellationToken cancellationToken)
    {
        Guid? messageId = null;
        try
        {
            var (message, type) = OutboxEvents.Read(row);
            messageId = Telemetry.MessageIds.Of(message);
            using var trace = Telemetry.OutboxTracing.StartPublish(row, message);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.PublishTimeout);
            var mandatory = type.IsDefined(typeof(MustBeRoutedAttribute), inherit: false);
            await bus.Publish(message, type, context =>
            {
                context.MessageId = row.EventId;
                if (mandatory && context.TryGetPayload(out RabbitMqSendContext? rabbit))
                    rabbit.Mandatory = true;
            }, timeout.Token);
            return (row, null);
        }
        catch (Exception e)
        {
            logger.LogWarning("Could not publish outbox row {OutboxId} ({EventType}, message {MessageId}): {Error}", row.Id, row.EventType, messageId, e.Message);
            return (row, e.GetType().Name + ": " + e.Message);
        }
    }
}
