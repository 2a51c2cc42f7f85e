using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Storage;

namespace Relay.Delivery.Bounces;

/// <summary>
/// Records the notices of one bounce in one transaction: each notice once, a hard bounce counted
/// against the address's union and marked on the delivery it reports, and the union suppressed
/// (coordinators told through <see cref="UnionSuppressed"/>) once its count reaches
/// Bounces:SuppressAfter. Reading the same notification again changes nothing.
/// </summary>
public sealed class BounceRecorder(RelayDb db, IOptions<BounceOptions> options, ILogger<BounceRecorder> logger)
{
    /// <summary>Returns how many notices were new.</summary>
    public async Task<int> RecordAsync(IReadOnlyList<BounceNotice> notices, CancellationToken cancellationToken)
    {
        var recorded = 0;
        foreach (var notice in notices)
        {
            if (await db.Bounces.AnyAsync(b => b.Key == notice.Key, cancellationToken))
                continue;
            var delivery = notice.OriginalMessageId is { } id
                ? await db.Deliveries.FirstOrDefaultAsync(d => d.EmailMessageId == id && d.Address.ToLower() == notice.Address, cancellationToken)
                : null;
            var union = delivery is not null
                ? await db.Unions.FirstOrDefaultAsync(u => u.Id == delivery.RecipientUnionId, cancellationToken)
                : await db.Unions.FirstOrDefaultAsync(u => u.Email.ToLower() == notice.Address, cancellationToken);
            db.Bounces.Add(new Bounce
            {
                Key = notice.Key, Address = notice.Address, Action = notice.Action, Status = notice.Status, Diagnostic = notice.Diagnostic,
                Hard = notice.Hard, UnionId = union?.Id, DeliveryId = delivery?.Id, ReceivedAt = DateTime.UtcNow,
            });
            recorded++;
            if (notice.Hard && union is not null && union.Email.Equals(notice.Address, StringComparison.OrdinalIgnoreCase))
                CountHardBounce(notice, union, delivery);
            else
                logger.LogInformation("Bounce for {Address} ({Action} {Status}) recorded; it counts against no union", notice.Address, notice.Action, notice.Status);
        }
        await db.SaveChangesAsync(cancellationToken);
        return recorded;
    }

    private void CountHardBounce(BounceNotice notice, Union union, Storage.Delivery? delivery)
    {
        var what = notice.Diagnostic is null ? notice.Status : $"{notice.Status} {notice.Diagnostic}";
        union.BounceCount++;
        union.LastBounceAt = DateTime.UtcNow;
        if (delivery is { Status: DeliveryStatus.Sent })
            (delivery.Status, delivery.Detail) = (DeliveryStatus.Failed, $"bounced after it was sent: {what}");
        logger.LogWarning("Hard bounce {Count} from {Address} ({Union}): {What}", union.BounceCount, notice.Address, union.Name, what);

        if (union.IsSuppressed || union.BounceCount < options.Value.SuppressAfter)
            return;
        union.SuppressedAt = DateTime.UtcNow;
        union.SuppressedReason = $"{union.BounceCount} hard bounces from {union.Email}; the last: {what}";
        union.SuppressionNoticeSentAt = null;
        db.Enqueue(new UnionSuppressed(union.Id, union.SuppressedReason, ByBounces: true));
        logger.LogWarning("{Union} no longer receives messages: {Reason}", union.Name, union.SuppressedReason);
    }
}
