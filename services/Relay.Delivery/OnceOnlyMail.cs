using Microsoft.EntityFrameworkCore;
using MimeKit;
using Relay.Storage;

namespace Relay.Delivery;

/// <summary>
/// Sends a notice that must go at most once: it is claimed in the database first (a redelivered
/// event finds it claimed and sends nothing), and the claim is released if sending fails, so the
/// retried event sends it then.
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
            await smtp.SendAsync(email, cancellationToken);
            return true;
        }
        catch (Exception e)
        {
            if (email is not null && DeliveryOutcome.MayHaveBeenAccepted(e))
                logger.LogWarning("Email <{EmailMessageId}> to {To}: no answer from the server after sending; it may have taken it, so the retry may repeat it",
                    email.MessageId, email.To.ToString());
            await release();
            throw;
        }
    }

    /// <summary>
    /// Tells a message's sender once how it ended (who received it, or why it was rejected): the
    /// claim is the message's SummarySentAt.
    /// </summary>
    public Task<bool> SendToSenderAsync(RelayDb db, Guid messageId, Func<MimeMessage> compose, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        return SendAsync(
            ct => db.Messages.Where(m => m.Id == messageId && m.SummarySentAt == null).ExecuteUpdateAsync(s => s.SetProperty(m => m.SummarySentAt, now), ct),
            () => db.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(s => s.SetProperty(m => m.SummarySentAt, (DateTime?)null)),
            compose, cancellationToken);
    }
}
