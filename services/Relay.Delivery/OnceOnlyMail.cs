using MimeKit;

namespace Relay.Delivery;

/// <summary>
/// Sends a notice that must go at most once: it is claimed in the database first (a redelivered
/// event finds it claimed and sends nothing), and the claim is released if sending fails, so the
/// retried event sends it then.
/// </summary>
public sealed class OnceOnlyMail(SmtpConnectionPool smtp, DkimSigning dkim)
{
    /// <param name="claim">Marks the notice sent when it was not; returns the rows it changed.</param>
    /// <param name="release">Takes the mark back.</param>
    /// <returns>False when the notice was already claimed.</returns>
    public async Task<bool> SendAsync(Func<CancellationToken, Task<int>> claim, Func<Task> release, Func<MimeMessage> compose, CancellationToken cancellationToken)
    {
        if (await claim(cancellationToken) == 0)
            return false;
        try
        {
            var email = compose();
            dkim.Sign(email);
            await smtp.SendAsync(email, cancellationToken);
            return true;
        }
        catch
        {
            await release();
            throw;
        }
    }
}
