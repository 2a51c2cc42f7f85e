using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake;

public enum ConfirmationOutcome { Confirmed, AlreadyConfirmed, Expired, NotFound }

/// <summary>
/// A sender confirms a message through the link emailed to them: it then goes on like any other
/// (MessageSubmitted, in the same transaction). Confirming twice changes nothing; a link older than
/// the window no longer works, and the message never goes out.
/// </summary>
public sealed class MessageConfirmation(RelayDb db, IOptions<Relay.ServiceDefaults.LinkOptions> options)
{
    public static ConfirmationOutcome Decide(SolidarityMessage message, DateTime now, TimeSpan window) =>
        message.ConfirmedAt is not null ? ConfirmationOutcome.AlreadyConfirmed
        : message.Status != MessageStatus.AwaitingConfirmation ? ConfirmationOutcome.NotFound
        : now - message.ReceivedAt > window ? ConfirmationOutcome.Expired
        : ConfirmationOutcome.Confirmed;

    public async Task<ConfirmationOutcome> ConfirmAsync(Guid messageId, CancellationToken cancellationToken)
    {
        var message = await db.Messages.Include(m => m.Recipients).FirstOrDefaultAsync(m => m.Id == messageId, cancellationToken);
        if (message is null)
            return ConfirmationOutcome.NotFound;
        var now = DateTime.UtcNow;
        var outcome = Decide(message, now, options.Value.ConfirmationWindow);
        if (outcome != ConfirmationOutcome.Confirmed)
            return outcome;

        message.ConfirmedAt = now;
        message.Status = MessageStatus.Received;
        message.UpdatedAt = now;
        db.Enqueue(new MessageSubmitted(message.Id, message.SenderUnionId, message.Recipients.Select(r => r.UnionId).ToList(), message.Language, now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // The same link clicked twice at once: the other click confirmed it.
            return ConfirmationOutcome.AlreadyConfirmed;
        }
        return ConfirmationOutcome.Confirmed;
    }
}
