using Microsoft.Extensions.Options;
using MimeKit;
using Relay.ServiceDefaults.Mailboxes;

namespace Relay.Intake.MailIntake;

/// <summary>
/// Polls Relay's intake mailbox over IMAP. Each unseen email is read, recorded (a message, a
/// refusal or an ignored mail, see <see cref="MailIntakeRecorder"/>), then flagged \Seen; a crash
/// in between only means it is read again, which the recorder recognises by its key.
/// </summary>
public sealed class IntakeMailbox(IServiceScopeFactory scopes, IOptions<MailIntakeOptions> options, ILogger<IntakeMailbox> logger)
    : PolledMailbox(options.Value, "intake mailbox", "MailIntake", logger)
{
    protected override async Task<int> HandleAsync(MimeMessage email, CancellationToken cancellationToken)
    {
        var letter = InboundLetter.Read(email, options.Value);
        await using var scope = scopes.CreateAsyncScope();
        if (await scope.ServiceProvider.GetRequiredService<MailIntakeRecorder>().RecordAsync(letter, cancellationToken) is not { } outcome)
            return 0;
        logger.LogInformation("Intake mailbox: \"{Subject}\" from {From}: {Outcome}", letter.Subject, letter.From, outcome);
        return 1;
    }
}
