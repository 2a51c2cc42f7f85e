using Microsoft.EntityFrameworkCore;
using Relay.Storage;

namespace Relay.Intake.Operations.Dashboard;

/// <summary>A delivery that failed or waits to be tried again, with its recipient's name.</summary>
public sealed record FailingDelivery(Guid MessageId, string MessageTitle, string Recipient, string Status, int Attempts, DateTime At, DateTime? NextAttemptAt, string? Detail);

/// <summary>
/// What the dashboard reads from the database. Every query is bounded by an index: counts by status
/// (IX_messages_Status, IX_deliveries_Status_NextAttemptAt), the outbox's undispatched events
/// (IX_outbox_DispatchedAt), and the last day's messages by IX_messages_UpdatedAt — a message's
/// UpdatedAt is never before its receipt or its last delivery, so every message received or
/// delivered in the last 24 hours has an UpdatedAt in them.
/// </summary>
public sealed class PipelineReader(RelayDb db)
{
    /// <summary>The statuses a message leaves on its own or by a person's act; the rest are final or wait for the sender.</summary>
    private static readonly string[] Waiting =
    [
        MessageStatus.Received, MessageStatus.AwaitingTranslation, MessageStatus.Translated, MessageStatus.Held,
        MessageStatus.Approved, MessageStatus.AwaitingRecipients,
    ];

    public async Task<PipelineReadings> ReadAsync(DateTime now, CancellationToken cancellationToken)
    {
        var counts = await PipelineApi.ReadAsync(db, cancellationToken);
        var waiting = await db.Messages.Where(m => Waiting.Contains(m.Status)).GroupBy(m => m.Status)
            .Select(g => new StatusWait(g.Key, g.Count(), g.Min(m => m.UpdatedAt), g.Min(m => m.ReceivedAt))).ToListAsync(cancellationToken);
        var dayAgo = now.AddDays(-1);
        return new PipelineReadings(
            counts.Messages,
            counts.Deliveries,
            waiting.OrderBy(w => Array.IndexOf(Waiting, w.Status)).ToList(),
            counts.OutboxWaiting,
            counts.OldestOutboxEventAt,
            await db.Deliveries.CountAsync(d => d.Status == DeliveryStatus.Failed && d.At >= dayAgo, cancellationToken));
    }

    /// <summary>Received and delivered per hour over the last 24, with the delivered ones' p50 and p95 from receipt.</summary>
    public async Task<IReadOnlyList<HourReading>> ThroughputAsync(DateTime now, CancellationToken cancellationToken)
    {
        var since = Throughput.Since(now);
        var times = await db.Messages.AsNoTracking().Where(m => m.UpdatedAt >= since)
            // The status inside the aggregate, not in its filter: the subquery then looks deliveries up by
            // MessageId (the unique index's first column), not by status among every email ever sent.
            .Select(m => new MessageTimes(m.ReceivedAt, m.Status == MessageStatus.Delivered
                ? m.Deliveries.Max(d => d.Status == DeliveryStatus.Sent ? (DateTime?)d.At : null)
                : null))
            .ToListAsync(cancellationToken);
        return Throughput.ByHour(now, times);
    }

    /// <summary>The newest deliveries deferred now or failed in the last day, with their message's title and recipient's name.</summary>
    public async Task<IReadOnlyList<FailingDelivery>> FailingAsync(DateTime now, int count, CancellationToken cancellationToken)
    {
        var dayAgo = now.AddDays(-1);
        return await (
            from d in db.Deliveries.AsNoTracking()
            where d.Status == DeliveryStatus.Deferred || (d.Status == DeliveryStatus.Failed && d.At >= dayAgo)
            join m in db.Messages on d.MessageId equals m.Id
            join u in db.Unions on d.RecipientUnionId equals u.Id into unions
            from u in unions.DefaultIfEmpty()
            orderby d.At descending
            select new FailingDelivery(d.MessageId, m.Title, u == null ? d.Address : u.Name, d.Status, d.Attempts, d.At, d.NextAttemptAt, d.Detail))
            .Take(count).ToListAsync(cancellationToken);
    }
}
