using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Storage;

namespace Relay.Delivery;

/// <summary>
/// Emails an approved message to each recipient union. A delivery record exists before anything
/// is sent and is claimed with a compare-and-swap on its attempt count, so a replayed event or a
/// second worker never sends a delivery that is sent or being sent. Temporary failures leave the
/// delivery "deferred" and the event is retried; permanent ones are "failed" with the server's reply.
/// </summary>
public sealed class DeliveryStage(RelayDb db, SmtpConnectionPool smtp, IOptions<MailOptions> mail, ILogger<DeliveryStage> logger)
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
        foreach (var delivery in message.Deliveries.Where(d => !DeliveryStatus.IsFinal(d.Status)))
            await DeliverAsync(message, delivery, cancellationToken);

        var deferred = message.Deliveries.Count(d => !DeliveryStatus.IsFinal(d.Status));
        if (deferred > 0)
            throw new DeliveryDeferredException($"{deferred} deliveries of message {messageId} are deferred and will be retried.");

        var sent = message.Deliveries.Count(d => d.Status == DeliveryStatus.Sent);
        message.Status = sent > 0 ? MessageStatus.Delivered : MessageStatus.Failed;
        message.UpdatedAt = DateTime.UtcNow;
        db.Enqueue(new MessageDelivered(message.Id, sent, message.Deliveries.Count - sent));
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Message {MessageId} {Status}: {Sent} of {Count} sent", messageId, message.Status, sent, message.Deliveries.Count);
    }

    private async Task CreateDeliveriesAsync(SolidarityMessage message, CancellationToken cancellationToken)
    {
        foreach (var recipient in message.Recipients.Where(r => message.Deliveries.All(d => d.RecipientUnionId != r.UnionId)))
        {
            // Added through the set: a delivery with its id already set, found only through the
            // navigation, would be taken for an existing row.
            db.Deliveries.Add(new Storage.Delivery
            {
                Id = Guid.NewGuid(),
                MessageId = message.Id,
                RecipientUnionId = recipient.UnionId,
                Address = recipient.Union!.Email,
                Language = recipient.Union.PreferredLanguage,
                EmailMessageId = MailComposer.MessageIdFor(message.Id, recipient.UnionId, mail.Value.MessageIdDomain),
                At = DateTime.UtcNow,
            });
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task DeliverAsync(SolidarityMessage message, Storage.Delivery delivery, CancellationToken cancellationToken)
    {
        // Claim: only the worker that moves the attempt count from what it read may send.
        var claimed = await db.Deliveries
            .Where(d => d.Id == delivery.Id && d.Attempts == delivery.Attempts && d.Status == delivery.Status)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Attempts, d => d.Attempts + 1), cancellationToken);
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

        var recipient = message.Recipients.First(r => r.UnionId == delivery.RecipientUnionId).Union!;
        var email = MailComposer.Compose(Draft(message, recipient), mail.Value);
        try
        {
            var reply = await smtp.SendAsync(email, cancellationToken);
            (delivery.Status, delivery.Detail) = (DeliveryStatus.Sent, reply);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var outcome = DeliveryOutcome.Classify(e);
            (delivery.Status, delivery.Detail) = (outcome.Permanent ? DeliveryStatus.Failed : DeliveryStatus.Deferred, outcome.Detail);
            db.Enqueue(new DeliveryFailed(message.Id, recipient.Id, outcome.Detail, outcome.Permanent));
            logger.LogWarning("Delivery {DeliveryId} to {Address} {Status}: {Detail}", delivery.Id, delivery.Address, delivery.Status, outcome.Detail);
        }
        delivery.At = DateTime.UtcNow;
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private static EmailDraft Draft(SolidarityMessage message, Union recipient)
    {
        var translations = recipient.Languages
            .Select(language => message.Translations.FirstOrDefault(t => t.Language == language))
            .OfType<Storage.Translation>()
            .Select(t => new EmailText(t.Language, t.Title, t.Body, t.Origin, t.Provider))
            .ToList();
        return new EmailDraft(message.Id, recipient.Id, message.Sender!.Name, message.Sender.Email, message.Author,
            recipient.Name, recipient.Email, translations,
            new EmailText(message.Language ?? "und", message.Title, message.Body));
    }
}

public sealed class DeliveryDeferredException(string message) : Exception(message);
