using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Storage;

namespace Relay.Intake.MailIntake;

/// <summary>
/// Records one intake email once: decides on it (<see cref="MailIntakeDecision"/>), stores the
/// message through <see cref="MessageSubmission"/> like any other channel, and records the
/// InboundMail that makes reading it again change nothing. The message's idempotency key comes
/// from the mail's key, so a crash between the two saves only finds the stored message again.
/// </summary>
public sealed class MailIntakeRecorder(RelayDb db, MessageSubmission submission)
{
    /// <summary>The outcome (<see cref="InboundOutcome"/>), or null when this email was recorded before.</summary>
    public async Task<string?> RecordAsync(InboundLetter letter, CancellationToken cancellationToken)
    {
        if (await db.InboundMails.AsNoTracking().AnyAsync(m => m.Key == letter.Key, cancellationToken))
            return null;
        var unions = await db.Unions.AsNoTracking().Where(u => u.ErasedAt == null).ToListAsync(cancellationToken);
        var sender = unions.FirstOrDefault(u => u.Email.Equals(letter.From, StringComparison.OrdinalIgnoreCase));
        var decision = MailIntakeDecision.Decide(letter, sender?.Id, MailIntakeDecision.Directory(unions.Select(u => (u.Id, u.Name))));

        var key = "email:" + letter.Key;
        var (outcome, detail, result) = decision switch
        {
            MailDecision.Submit s => (InboundOutcome.Submitted, null,
                await submission.SubmitAsync(s.UnionId, Request(letter, s.Recipients), key, cancellationToken, MessageChannel.Email)),
            MailDecision.Triage t => (InboundOutcome.Triage, t.Why,
                await submission.KeepForRecipientsAsync(t.UnionId, Request(letter, []), MessageChannel.Email, key, cancellationToken)),
            MailDecision.Confirm c => (InboundOutcome.AwaitingConfirmation, c.Why,
                await submission.SubmitUnconfirmedAsync(UnconfirmedSenderOf(letter, sender), Request(letter, c.Recipients),
                    MessageChannel.Email, key, cancellationToken)),
            MailDecision.Refuse r => (InboundOutcome.Refused, $"{r.Reason}: {r.Detail}", null),
            MailDecision.Ignore i => (InboundOutcome.Ignored, i.Why, (SubmissionResult?)null),
            _ => throw new InvalidOperationException($"Unknown decision {decision}"),
        };
        var refusedFor = (decision as MailDecision.Refuse)?.Reason;
        // A letter that breaks a rule every message keeps (too long, say) is refused with that rule;
        // one over a limit (RateLimits) with the limit.
        if (result is SubmissionResult.Invalid invalid)
            (outcome, detail, refusedFor) = (InboundOutcome.Refused,
                $"{RefusalReason.Invalid}: {string.Join(" ", invalid.Validation.Errors.SelectMany(e => e.Value))}", RefusalReason.Invalid);
        if (result is SubmissionResult.Limited limited)
            (outcome, detail, refusedFor) = (InboundOutcome.Refused, $"{RefusalReason.Limited}: {limited.Detail}", RefusalReason.Limited);
        // A sender the server did not verify may be forged: answering every such email would let
        // anyone flood an address with Relay's answers: only its first refused email in a day is answered.
        var verified = sender is not null && letter.Verdict.Pass;
        if (refusedFor is not null && !verified && await AnsweredTodayAsync(letter.From, cancellationToken))
            (detail, refusedFor) = (detail + " (not answered: another email from this unverified address was refused in the last day)", null);

        db.InboundMails.Add(new InboundMail
        {
            Key = letter.Key, From = letter.From, Subject = letter.Subject, Outcome = outcome, Detail = detail,
            MessageId = (result as SubmissionResult.Accepted)?.Message.Id, ReceivedAt = DateTime.UtcNow,
        });
        if (refusedFor is not null)
            db.Enqueue(new InboundMailRefused(letter.Key, refusedFor));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two intake processes read the same email at once: the other one recorded it.
            db.ChangeTracker.Clear();
            if (await db.InboundMails.AnyAsync(m => m.Key == letter.Key, cancellationToken))
                return null;
            throw;
        }
        return outcome;
    }

    private Task<bool> AnsweredTodayAsync(string address, CancellationToken cancellationToken)
    {
        var since = DateTime.UtcNow.AddDays(-1);
        return db.InboundMails.AnyAsync(m => m.From == address && m.Outcome == InboundOutcome.Refused && m.ReceivedAt > since, cancellationToken);
    }

    private static SubmitMessageRequest Request(InboundLetter letter, IReadOnlyList<Guid> recipients) =>
        new([.. recipients.Select(r => r.ToString())], letter.Title, letter.Text, Language: null,
            Author: letter.FromName is { Length: <= 200 } name ? name : null, Publish: false);

    /// <summary>A union whose email was not verified confirms at its registered address; anyone else at the address they wrote from.</summary>
    private static UnconfirmedSender UnconfirmedSenderOf(InboundLetter letter, Union? union) =>
        union is null
            ? new UnconfirmedSender(null, letter.FromName is { Length: <= 200 } name ? name : letter.From[..Math.Max(letter.From.IndexOf('@'), 1)], null, letter.From)
            : new UnconfirmedSender(union.Id, union.Name, null, union.Email);
}
