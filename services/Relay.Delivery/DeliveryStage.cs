using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Delivery;

/// <summary>
/// Emails an approved message to each recipient union. A delivery record exists before anything
/// is sent and is claimed with a compare-and-swap on its attempt count, so a replayed event or a
/// second worker never sends a delivery that is sent or being sent. A temporary failure leaves the
/// delivery "deferred" with its next attempt in the database (<see cref="RetrySchedule"/>, run by
/// <see cref="DeferredDeliveryScheduler"/>), until it is sent or given up; a permanent one is
/// "failed" with the server's reply. One bad recipient never holds up the others. A union that
/// opted out or kept bouncing is "suppressed", never sent to; a domain over its rate limit waits.
/// </summary>
public sealed class DeliveryStage(
    RelayDb db, SmtpConnectionPool smtp, RecipientLinks links, DkimSigning dkim, DomainRateLimiter domains,
    IOptions<MailOptions> mail, IOptions<DeliveryOptions> retries, ILogger<DeliveryStage> logger)
{
    public async Task RunAsync(Guid messageId, CancellationToken cancellationToken)
    {
        var message = await db.Messages
            .Include(m => m.Sender)
            .Include(m => m.Recipients).ThenInclude(r => r.Union)
            .Include(m => m.Translations)
            .Include(m => m.Deliveries)
            .AsSplitQuery()
            .FirstOrDefaultAsync(m => m.Id == messageId, cancellationToken)
            ?? throw new InvalidOperationException($"Message {messageId} is not in the database.");
        if (message.Status != MessageStatus.Approved)
        {
            logger.LogInformation("Message {MessageId} is {Status}; nothing to deliver", messageId, message.Status);
            return;
        }

        await CreateDeliveriesAsync(message, cancellationToken);
        var now = DateTime.UtcNow;
        foreach (var delivery in message.Deliveries.Where(d => IsDue(d, now)).ToList())
        {
            var recipient = message.Recipients.First(r => r.UnionId == delivery.RecipientUnionId).Union!;
            if (recipient.IsSuppressed)
                await SuppressAsync(delivery, recipient, cancellationToken);
            else if (domains.WaitBefore(delivery.Address) is { } wait)
                await PostponeAsync(delivery, wait, cancellationToken);
            else
                await DeliverAsync(message, delivery, recipient, cancellationToken);
        }

        // Decide on what the database says now: another worker may have sent some meanwhile. Each
        // worker looks after its own sends, so whichever finishes last sees every delivery final.
        var statuses = await db.Deliveries.AsNoTracking().Where(d => d.MessageId == message.Id)
            .Select(d => new { d.Status, d.NextAttemptAt }).ToListAsync(cancellationToken);
        var open = statuses.Where(d => !DeliveryStatus.IsFinal(d.Status)).ToList();
        if (open.Count > 0)
        {
            logger.LogInformation("Message {MessageId}: {Count} deliveries not done yet, next attempt {Next:u}", messageId, open.Count,
                open.Min(d => d.NextAttemptAt));
            return;
        }

        var sent = statuses.Count(d => d.Status == DeliveryStatus.Sent);
        message.Status = sent > 0 ? MessageStatus.Delivered : MessageStatus.Failed;
        message.UpdatedAt = DateTime.UtcNow;
        db.Enqueue(new MessageDelivered(message.Id, sent, statuses.Count - sent));
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Message {MessageId} {Status}: {Sent} of {Count} sent", messageId, message.Status, sent, message.Deliveries.Count);
    }

    private async Task CreateDeliveriesAsync(SolidarityMessage message, CancellationToken cancellationToken)
    {
        foreach (var recipient in message.Recipients.Where(r => message.Deliveries.All(d => d.RecipientUnionId != r.UnionId)))
        {
            // Added through the set: a delivery with its id already set, found only through the
            // navigation, would be taken for an existing row.
            var union = recipient.Union!;
            db.Deliveries.Add(new Storage.Delivery
            {
                Id = Guid.NewGuid(),
                MessageId = message.Id,
                RecipientUnionId = recipient.UnionId,
                Address = union.Email,
                Language = union.PreferredLanguage,
                EmailMessageId = MailComposer.MessageIdFor(message.Id, recipient.UnionId, mail.Value.MessageIdDomain),
                At = DateTime.UtcNow,
                Status = union.IsSuppressed ? DeliveryStatus.Suppressed : DeliveryStatus.Pending,
                Detail = union.IsSuppressed ? union.SuppressedReason : null,
            });
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The recipient stopped receiving messages after this delivery was created: it is never sent.</summary>
    private async Task SuppressAsync(Storage.Delivery delivery, Union recipient, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var suppressed = await db.Deliveries
            .Where(d => d.Id == delivery.Id && d.Attempts == delivery.Attempts && d.Status == delivery.Status)
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, DeliveryStatus.Suppressed)
                .SetProperty(d => d.Detail, recipient.SuppressedReason)
                .SetProperty(d => d.NextAttemptAt, (DateTime?)null)
                .SetProperty(d => d.At, now), cancellationToken);
        if (suppressed == 0)
            return; // another worker got to it first
        logger.LogInformation("Delivery {DeliveryId} to {Address} suppressed: {Reason}", delivery.Id, delivery.Address, recipient.SuppressedReason);
    }

    /// <summary>The recipient's domain had its share this minute: try again when the window opens (not an attempt).</summary>
    private async Task PostponeAsync(Storage.Delivery delivery, TimeSpan wait, CancellationToken cancellationToken)
    {
        var next = DateTime.UtcNow + wait;
        var postponed = await db.Deliveries
            .Where(d => d.Id == delivery.Id && d.Attempts == delivery.Attempts && d.Status == delivery.Status)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, next), cancellationToken);
        if (postponed > 0)
            db.Entry(delivery).Property(d => d.NextAttemptAt).OriginalValue = delivery.NextAttemptAt = next;
        logger.LogInformation("Delivery {DeliveryId}: {Domain} has had {Limit} emails this minute; next attempt {Next:u}",
            delivery.Id, DomainRateLimiter.DomainOf(delivery.Address), retries.Value.PerDomainPerMinute, next);
    }

    private async Task DeliverAsync(SolidarityMessage message, Storage.Delivery delivery, Union recipient, CancellationToken cancellationToken)
    {
        // Claim: only the worker that moves the attempt count from what it read may send, and the
        // claim holds the delivery for a lease (no one else finds it due meanwhile). If this worker
        // dies mid-send, the lease ends and the delivery is due again.
        var now = DateTime.UtcNow;
        var lease = now + Lease;
        var claimed = await db.Deliveries
            .Where(d => d.Id == delivery.Id && d.Attempts == delivery.Attempts && d.Status == delivery.Status
                && (d.NextAttemptAt == null || d.NextAttemptAt <= now))
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Attempts, d => d.Attempts + 1)
                .SetProperty(d => d.NextAttemptAt, lease), cancellationToken);
        if (claimed == 0)
        {
            await db.Entry(delivery).ReloadAsync(cancellationToken);
            return;
        }
        if (delivery.Status == DeliveryStatus.Pending && delivery.Attempts > 0)
            logger.LogWarning("Delivery {DeliveryId} of message {MessageId} to {Address}: the outcome of attempt {Attempt} was never recorded; " +
                "sending again may repeat it (same Message-ID <{EmailMessageId}>)", delivery.Id, message.Id, delivery.Address, delivery.Attempts, delivery.EmailMessageId);
        // The database already holds the new count: keep the tracked entity in step without writing it again.
        db.Entry(delivery).Property(d => d.Attempts).OriginalValue = ++delivery.Attempts;
        db.Entry(delivery).Property(d => d.NextAttemptAt).OriginalValue = delivery.NextAttemptAt = lease;
        delivery.FirstAttemptAt ??= DateTime.UtcNow;

        var email = MailComposer.Compose(Draft(message, recipient), mail.Value);
        dkim.Sign(email);
        try
        {
            var reply = await smtp.SendAsync(email, cancellationToken);
            (delivery.Status, delivery.Detail, delivery.NextAttemptAt) = (DeliveryStatus.Sent, reply, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var outcome = DeliveryOutcome.Classify(e);
            var next = outcome.Permanent ? null : RetrySchedule.NextAttempt(delivery.Attempts, delivery.FirstAttemptAt!.Value, DateTime.UtcNow, retries.Value);
            var gaveUp = !outcome.Permanent && next is null;
            var detail = gaveUp ? $"gave up after {delivery.Attempts} attempts over {retries.Value.GiveUpAfter.TotalDays:0.#} days; last: {outcome.Detail}" : outcome.Detail;
            (delivery.Status, delivery.Detail, delivery.NextAttemptAt) = (next is null ? DeliveryStatus.Failed : DeliveryStatus.Deferred, detail, next);
            db.Enqueue(new DeliveryFailed(message.Id, recipient.Id, detail, next is null));
            logger.LogWarning("Delivery {DeliveryId} to {Address} {Status}: {Detail}", delivery.Id, delivery.Address, delivery.Status, outcome.Detail);
        }
        delivery.At = DateTime.UtcNow;
        await db.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>How long a claimed delivery is held by the worker sending it: longer than any SMTP exchange may take.</summary>
    private TimeSpan Lease => smtp.Timeout + TimeSpan.FromMinutes(1);

    /// <summary>Pending or deferred, and not held by a claim or waiting for its next attempt.</summary>
    public static bool IsDue(Storage.Delivery delivery, DateTime now) =>
        delivery.Status is DeliveryStatus.Pending or DeliveryStatus.Deferred
        && (delivery.NextAttemptAt is null || delivery.NextAttemptAt <= now);

    private EmailDraft Draft(SolidarityMessage message, Union recipient)
    {
        var translations = recipient.Languages
            .Select(language => message.Translations.FirstOrDefault(t => t.Language == language))
            .OfType<Storage.Translation>()
            .Select(t => new EmailText(t.Language, t.Title, t.Body, t.Origin, t.Provider))
            .ToList();
        return new EmailDraft(message.Id, recipient.Id, message.Sender!.Name, message.Sender.Email, message.Author,
            recipient.Name, recipient.Email, translations,
            new EmailText(message.Language ?? "und", message.Title, message.Body),
            links.PreferencesUrl(mail.Value.PublicBaseUrl, recipient.Id));
    }
}
