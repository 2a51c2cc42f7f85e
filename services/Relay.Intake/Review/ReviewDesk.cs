using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Storage;

namespace Relay.Intake.Review;

/// <summary>A coordinator's correction of one translation of a held message.</summary>
public sealed record TranslationEdit(string Language, string Title, string Body);

/// <summary>What a coordinator's act came to: done, or refused with a reason the coordinator can act on.</summary>
public abstract record ReviewResult
{
    public sealed record Done : ReviewResult;
    public sealed record NotFound : ReviewResult;
    /// <summary>400 (the request is wrong) or 409 (the message is not in a state that allows it).</summary>
    public sealed record Refused(int Status, string Title, string Detail) : ReviewResult;
}

/// <summary>
/// The coordinators' acts on messages, for the review desk's pages and the HTTP API alike: approve
/// (with corrected translations), reject with a reason, correct translations, take a publication
/// down. Each act and its audit entry are written in one transaction, with its outbox event.
/// </summary>
public sealed class ReviewDesk(RelayDb db)
{
    public Task<SolidarityMessage?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        db.Messages.Include(m => m.Sender).Include(m => m.Supporter).Include(m => m.Translations).Include(m => m.Recipients).ThenInclude(r => r.Union)
            .AsSplitQuery().FirstOrDefaultAsync(m => m.Id == id, cancellationToken);

    public Task<List<SolidarityMessage>> HeldAsync(CancellationToken cancellationToken) =>
        db.Messages.AsNoTracking().Include(m => m.Sender).Include(m => m.Supporter)
            .Where(m => m.Status == MessageStatus.Held).OrderBy(m => m.ReceivedAt).ToListAsync(cancellationToken);

    public Task<List<SolidarityMessage>> RecentlyPublishedAsync(int count, CancellationToken cancellationToken) =>
        db.Messages.AsNoTracking().Include(m => m.Sender).Include(m => m.Supporter)
            .Where(m => m.PublishedAt != null && m.TakenDownAt == null).OrderByDescending(m => m.PublishedAt).Take(count).ToListAsync(cancellationToken);

    /// <summary>Messages that came by email naming no recipient Relay knows, oldest first: a coordinator chooses the recipients.</summary>
    public Task<List<SolidarityMessage>> AwaitingRecipientsAsync(CancellationToken cancellationToken) =>
        db.Messages.AsNoTracking().Include(m => m.Sender).Include(m => m.Supporter)
            .Where(m => m.Status == MessageStatus.AwaitingRecipients).OrderBy(m => m.ReceivedAt).ToListAsync(cancellationToken);

    /// <summary>The latest emails read from the intake mailbox, newest first, with what became of each (refused and ignored ones included).</summary>
    public Task<List<InboundMail>> RecentEmailsAsync(int count, CancellationToken cancellationToken) =>
        db.InboundMails.AsNoTracking().OrderByDescending(m => m.ReceivedAt).Take(count).ToListAsync(cancellationToken);

    /// <summary>
    /// Sends a message that waited for recipients on to the unions a coordinator chose: it is then
    /// received like any other (MessageSubmitted), with the choice in the audit log.
    /// </summary>
    public async Task<ReviewResult> SendOnAsync(Guid id, string actor, IReadOnlyList<Guid> recipients, CancellationToken cancellationToken)
    {
        var chosen = recipients.Distinct().ToList();
        var known = await db.Unions.AsNoTracking().Where(u => chosen.Contains(u.Id)).Select(u => u.Name).ToListAsync(cancellationToken);
        return await ActAsync(id, cancellationToken, message =>
        {
            if (message.Status != MessageStatus.AwaitingRecipients)
                return new ReviewResult.Refused(409, "Not waiting for recipients.", $"Message {message.Id} is {message.Status}; its recipients are set.");
            if (chosen.Count == 0)
                return new ReviewResult.Refused(400, "The request is not valid.", "Choose at least one union to send it to.");
            if (known.Count != chosen.Count)
                return new ReviewResult.Refused(400, "The request is not valid.", "A union chosen is not in the directory; reload the page.");
            message.Recipients = chosen.Select(r => new MessageRecipient { MessageId = message.Id, UnionId = r }).ToList();
            message.Status = MessageStatus.Received;
            db.Audit(actor, AuditAction.ChooseRecipients, message.Id, string.Join(", ", known.Order()));
            db.Enqueue(new MessageSubmitted(message.Id, message.SenderUnionId, chosen, message.Language, DateTime.UtcNow));
            return null;
        });
    }

    public Task<ReviewResult> ApproveAsync(Guid id, string actor, IReadOnlyList<TranslationEdit> edits, CancellationToken cancellationToken) =>
        ActAsync(id, cancellationToken, message =>
        {
            if ((RefuseUnlessHeld(message) ?? Correct(message, actor, edits)) is { } refused)
                return refused;
            (message.Status, message.ModerationDecision, message.DecidedBy) = (MessageStatus.Approved, "approve", actor);
            db.Audit(actor, AuditAction.Approve, message.Id);
            db.Enqueue(new MessageApproved(message.Id, actor));
            return null;
        });

    public Task<ReviewResult> CorrectAsync(Guid id, string actor, IReadOnlyList<TranslationEdit> edits, CancellationToken cancellationToken) =>
        ActAsync(id, cancellationToken, message => RefuseUnlessHeld(message) ?? Correct(message, actor, edits));

    public Task<ReviewResult> RejectAsync(Guid id, string actor, string? reason, CancellationToken cancellationToken) =>
        ActAsync(id, cancellationToken, message =>
        {
            if ((RefuseUnlessHeld(message) ?? NeedsReason(reason, "A rejection needs a reason: the sender will see it.")) is { } refused)
                return refused;
            var why = reason!.Trim();
            (message.Status, message.ModerationDecision, message.DecidedBy) = (MessageStatus.Rejected, "reject", actor);
            message.ModerationReasons = [.. message.ModerationReasons, "coordinator: " + why];
            db.Audit(actor, AuditAction.Reject, message.Id, reason: why);
            db.Enqueue(new MessageRejected(message.Id, why, actor));
            return null;
        });

    public Task<ReviewResult> TakeDownAsync(Guid id, string actor, string? reason, CancellationToken cancellationToken) =>
        ActAsync(id, cancellationToken, message =>
        {
            if (NeedsReason(reason, "A takedown needs a reason: it is kept in the audit log.") is { } refused)
                return refused;
            if (message.TakenDownAt is not null)
                return new ReviewResult.Refused(409, "Already taken down.", $"Message {message.Id} was taken down at {message.TakenDownAt:u}.");
            if (message.PublishedAt is null)
                return new ReviewResult.Refused(409, "Not published.", $"Message {message.Id} is not on the public site.");
            (message.TakenDownAt, message.TakedownReason) = (DateTime.UtcNow, reason!.Trim());
            db.Audit(actor, AuditAction.Takedown, message.Id, message.PublicationUrl, message.TakedownReason);
            return null;
        });

    private async Task<ReviewResult> ActAsync(Guid id, CancellationToken cancellationToken, Func<SolidarityMessage, ReviewResult.Refused?> act)
    {
        var message = await FindAsync(id, cancellationToken);
        if (message is null)
            return new ReviewResult.NotFound();
        if (act(message) is { } refused)
            return refused;
        message.UpdatedAt = DateTime.UtcNow;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new ReviewResult.Refused(409, "Changed meanwhile.", $"Message {id} changed while you were deciding; reload it and try again.");
        }
        return new ReviewResult.Done();
    }

    private static ReviewResult.Refused? RefuseUnlessHeld(SolidarityMessage message) => message.Status == MessageStatus.Held ? null
        : new ReviewResult.Refused(409, "Not held.", $"Message {message.Id} is {message.Status}; only held messages wait for a decision.");

    private static ReviewResult.Refused? NeedsReason(string? reason, string detail) =>
        string.IsNullOrWhiteSpace(reason) ? new ReviewResult.Refused(400, "The request is not valid.", detail) : null;

    /// <summary>Applies the corrections that change something; each becomes a human translation by the coordinator.</summary>
    private ReviewResult.Refused? Correct(SolidarityMessage message, string actor, IReadOnlyList<TranslationEdit> edits)
    {
        foreach (var edit in edits)
        {
            var translation = message.Translations.FirstOrDefault(t => t.Language == edit.Language);
            if (translation is null)
                return new ReviewResult.Refused(400, "The request is not valid.", $"Message {message.Id} has no {edit.Language} translation to correct.");
            if (string.IsNullOrWhiteSpace(edit.Title) || string.IsNullOrWhiteSpace(edit.Body))
                return new ReviewResult.Refused(400, "The request is not valid.", $"The corrected {edit.Language} translation needs a title and a body.");
            var changed = TranslationCorrection.Changes(translation.Title, translation.Body, edit.Title, edit.Body);
            if (changed.Count == 0)
                continue;
            (translation.Title, translation.Body) = (edit.Title.Trim(), TranslationCorrection.Normalise(edit.Body));
            (translation.Origin, translation.Provider, translation.Path, translation.At) = (TranslationOrigin.Human, actor, null, DateTime.UtcNow);
            db.Audit(actor, AuditAction.EditTranslation, message.Id, $"{edit.Language} translation: {string.Join(" and ", changed)}");
        }
        return null;
    }
}

/// <summary>What a correction changes, as pure functions: line endings from a browser's textarea are not a change.</summary>
public static class TranslationCorrection
{
    public static string Normalise(string body) => body.Replace("\r\n", "\n").Trim();

    public static IReadOnlyList<string> Changes(string title, string body, string newTitle, string newBody)
    {
        var changes = new List<string>();
        if (title.Trim() != newTitle.Trim())
            changes.Add("title");
        if (Normalise(body) != Normalise(newBody))
            changes.Add("body");
        return changes;
    }
}
