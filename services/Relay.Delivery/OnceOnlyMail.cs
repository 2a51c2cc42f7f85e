using Microsoft.EntityFrameworkCore;
using MimeKit;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Delivery;

/// <summary>
/// Sends Relay's own notices once. Each is claimed in the database first (a redelivered event finds
/// it claimed and sends nothing), and the claim is released if sending fails, so the retried event
/// sends it then. The sender's summary, which every message ends with, is claimed for a while rather
/// than for ever, so a worker killed mid-send does not lose it (<see cref="SendToSenderAsync"/>).
/// </summary>
public sealed class OnceOnlyMail(SmtpConnectionPool smtp, DkimSigning dkim, ILogger<OnceOnlyMail> logger)
{
    /// <param name="claim">Marks the notice sent when it was not; returns the rows it changed.</param>
    /// <param name="release">Takes the mark back.</param>
    /// <returns>False when the notice was already claimed.</returns>
    public async Task<bool> SendAsync(Func<CancellationToken, Task<int>> claim, Func<Task> release, Func<MimeMessage> compose, CancellationToken cancellationToken)
    {
        if (await claim(cancellationToken) == 0)
            return false;
        MimeMessage? email = null;
        try
        {
            email = compose();
            dkim.Sign(email);
            // Not cancelled once begun (see SendToSenderAsync).
            await smtp.SendAsync(email, CancellationToken.None);
            return true;
        }
        catch (Exception e)
        {
            WarnIfMaybeSent(email, e);
            await release();
            throw;
        }
    }

    /// <summary>
    /// Tells a message's sender how it ended (who received it, or why it was rejected), once. The
    /// message's SummaryClaimedUntil holds it for this worker while it sends; SummarySentAt records
    /// it sent. A claim whose worker died mid-send runs out and the next attempt takes it over,
    /// logging that the email may be repeated; while a live claim holds it, the attempt waits
    /// (a <see cref="PassingFaultException"/>). Returns false when it was sent already.
    /// </summary>
    public async Task<bool> SendToSenderAsync(RelayDb db, Guid messageId, Func<MimeMessage> compose, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var until = now + smtp.Timeout + TimeSpan.FromMinutes(1);
        until = new DateTime(until.Ticks - until.Ticks % 10, DateTimeKind.Utc); // whole microseconds, as PostgreSQL keeps them
        var unsent = db.Messages.Where(m => m.Id == messageId && m.SummarySentAt == null);
        if (await unsent.Where(m => m.SummaryClaimedUntil == null).ExecuteUpdateAsync(s => s.SetProperty(m => m.SummaryClaimedUntil, until), cancellationToken) == 0)
        {
            var claim = await unsent.Select(m => new { m.SummaryClaimedUntil }).FirstOrDefaultAsync(cancellationToken);
            if (claim is null)
                return false;
            if (claim.SummaryClaimedUntil > now
                || await unsent.Where(m => m.SummaryClaimedUntil == claim.SummaryClaimedUntil)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.SummaryClaimedUntil, until), cancellationToken) == 0)
                throw new PassingFaultException($"The summary of message {messageId} is being sent by another attempt, claimed until {claim.SummaryClaimedUntil:u}.");
            logger.LogWarning("Summary of message {MessageId}: the attempt claimed until {Until:u} never recorded its outcome; sending again may repeat it",
                messageId, claim.SummaryClaimedUntil);
        }
        MimeMessage? email = null;
        try
        {
            email = compose();
            dkim.Sign(email);
            // An email on the wire is finished, not cancelled (the pool's timeout bounds it): a consumer
            // is cancelled when its broker connection is lost, and a send cut off after the server took
            // the data was released here and sent again by the redelivered event (seen in the
            // scale-out proof, docs/scale-out.md).
            await smtp.SendAsync(email, CancellationToken.None);
        }
        catch (Exception e)
        {
            WarnIfMaybeSent(email, e);
            await unsent.ExecuteUpdateAsync(s => s.SetProperty(m => m.SummaryClaimedUntil, (DateTime?)null), CancellationToken.None);
            throw;
        }
        await unsent.ExecuteUpdateAsync(s => s
            .SetProperty(m => m.SummarySentAt, DateTime.UtcNow)
            .SetProperty(m => m.SummaryClaimedUntil, (DateTime?)null), CancellationToken.None);
        return true;
    }

    private void WarnIfMaybeSent(MimeMessage? email, Exception error)
    {
        if (email is not null && DeliveryOutcome.MayHaveBeenAccepted(error))
            logger.LogWarning("Email <{EmailMessageId}> to {To}: no answer from the server after sending; it may have taken it, so the retry may repeat it",
                email.MessageId, email.To.ToString());
    }
}
