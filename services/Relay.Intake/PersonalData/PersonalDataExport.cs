using Microsoft.EntityFrameworkCore;
using Relay.Storage;

namespace Relay.Intake.PersonalData;

public sealed record TranslationExport(string Language, string Title, string Body, string Origin, string Provider, string? Path, DateTime At);

/// <summary>A delivery of the subject's own message: to whom and how it ended, without the recipient's address (another organisation's data).</summary>
public sealed record OutgoingDeliveryExport(Guid RecipientUnionId, string? RecipientName, string Language, string Status, int Attempts, DateTime At);

/// <summary>A delivery to the subject: its address and the mail server's reply.</summary>
public sealed record IncomingDeliveryExport(Guid Id, Guid MessageId, string Address, string Language, string Status, string? Detail, int Attempts,
    DateTime At, DateTime? FirstAttemptAt, DateTime? NextAttemptAt);

/// <summary>A message the subject sent, with everything Relay keeps of it.</summary>
public sealed record SentMessageExport(Guid Id, string Status, string Channel, string Title, string Body, string? Language, string? Author, bool Publish,
    string? IdempotencyKey, string? ConfirmationAddress, DateTime? ConfirmedAt, DateTime ReceivedAt, DateTime UpdatedAt,
    string? ModerationDecision, IReadOnlyList<string> ModerationReasons, string? DecidedBy,
    DateTime? PublishedAt, string? PublicationUrl, DateTime? TakenDownAt, string? TakedownReason, DateTime? SummarySentAt, DateTime? AnonymisedAt,
    IReadOnlyList<TranslationExport> Translations, IReadOnlyList<OutgoingDeliveryExport> Deliveries);

/// <summary>A message sent to the subject union: its text and translations; the sender only by a union's name (a supporter is not named: their data is theirs).</summary>
public sealed record ReceivedMessageExport(Guid Id, string Status, string? SenderUnion, string SenderKind, string Title, string Body, string? Language,
    DateTime ReceivedAt, IReadOnlyList<TranslationExport> Translations);

public sealed record InboundMailExport(string Key, string From, string? Subject, string Outcome, string? Detail, Guid? MessageId, DateTime ReceivedAt,
    DateTime? RepliedAt, DateTime? AnonymisedAt);

public sealed record BounceExport(string Address, string Action, string Status, string? Diagnostic, bool Hard, Guid? DeliveryId, DateTime ReceivedAt);

public sealed record UnionRecordExport(Guid Id, string Name, string Country, IReadOnlyList<string> Languages, string Email, DateTime CreatedAt,
    DateTime? SuppressedAt, string? SuppressedReason, int BounceCount, DateTime? LastBounceAt, DateTime? SuppressionNoticeSentAt, bool ReviewIncoming,
    DateTime? SignInLinkSentAt, DateTime? ErasedAt);

public sealed record SupporterRecordExport(Guid Id, string Name, string? Organisation, string Email, DateTime CreatedAt, DateTime? AnonymisedAt);

/// <summary>Everything Relay holds about one union.</summary>
public sealed record UnionExport(DateTime ExportedAt, UnionRecordExport Union, IReadOnlyList<SentMessageExport> MessagesSent,
    IReadOnlyList<ReceivedMessageExport> MessagesReceived, IReadOnlyList<IncomingDeliveryExport> DeliveriesToIt, IReadOnlyList<BounceExport> Bounces,
    IReadOnlyList<InboundMailExport> InboundMails, IReadOnlyList<AuditEntryView> Audit);

/// <summary>Everything Relay holds about one supporter, found by their address (a supporter may be only intake emails that were refused).</summary>
public sealed record SupporterExport(DateTime ExportedAt, SupporterRecordExport? Supporter, IReadOnlyList<SentMessageExport> Messages,
    IReadOnlyList<InboundMailExport> InboundMails, IReadOnlyList<AuditEntryView> Audit);

/// <summary>Gathers what Relay holds about a union or a supporter, and nothing of anyone else; records the export in the audit log.</summary>
public sealed class PersonalDataExport(RelayDb db)
{
    public async Task<UnionExport?> UnionAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        if (await db.Unions.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, cancellationToken) is not { } u)
            return null;
        var address = u.Email.ToLowerInvariant();
        var sent = await SentAsync(db.Messages.Where(m => m.SenderUnionId == id), cancellationToken);
        var received = (await db.Messages.AsNoTracking().Include(m => m.Sender).Include(m => m.Translations)
                .Where(m => m.Recipients.Any(r => r.UnionId == id)).OrderBy(m => m.ReceivedAt).AsSplitQuery().ToListAsync(cancellationToken))
            .Select(m => new ReceivedMessageExport(m.Id, m.Status, m.Sender?.Name, m.FromSupporter ? "supporter" : "union", m.Title, m.Body, m.Language,
                m.ReceivedAt, Translations(m))).ToList();
        var deliveries = await db.Deliveries.AsNoTracking().Where(d => d.RecipientUnionId == id).OrderBy(d => d.At)
            .Select(d => new IncomingDeliveryExport(d.Id, d.MessageId, d.Address, d.Language, d.Status, d.Detail, d.Attempts, d.At, d.FirstAttemptAt, d.NextAttemptAt))
            .ToListAsync(cancellationToken);
        var bounces = await db.Bounces.AsNoTracking().Where(b => b.UnionId == id || b.Address.ToLower() == address).OrderBy(b => b.ReceivedAt)
            .Select(b => new BounceExport(b.Address, b.Action, b.Status, b.Diagnostic, b.Hard, b.DeliveryId, b.ReceivedAt)).ToListAsync(cancellationToken);
        var subject = $"union {id}";
        var export = new UnionExport(DateTime.UtcNow,
            new UnionRecordExport(u.Id, u.Name, u.Country, u.Languages, u.Email, u.CreatedAt, u.SuppressedAt, u.SuppressedReason, u.BounceCount,
                u.LastBounceAt, u.SuppressionNoticeSentAt, u.ReviewIncoming, u.SignInLinkSentAt, u.ErasedAt),
            sent, received, deliveries, bounces, await InboundAsync(address, cancellationToken),
            await AuditAsync(sent.Select(m => m.Id).ToList(), subject, cancellationToken));
        await RecordAsync(actor, subject, cancellationToken);
        return export;
    }

    public async Task<SupporterExport?> SupporterAsync(string email, string actor, CancellationToken cancellationToken)
    {
        var address = email.Trim().ToLowerInvariant();
        var s = await db.Supporters.AsNoTracking().FirstOrDefaultAsync(p => p.Email == address, cancellationToken);
        var inbound = await InboundAsync(address, cancellationToken);
        if (s is null && inbound.Count == 0)
            return null;
        var sent = s is null ? [] : await SentAsync(db.Messages.Where(m => m.SupporterId == s.Id), cancellationToken);
        var subject = s is null ? "intake emails of one address" : $"supporter {s.Id}";
        var export = new SupporterExport(DateTime.UtcNow,
            s is null ? null : new SupporterRecordExport(s.Id, s.Name, s.Organisation, s.Email, s.CreatedAt, s.AnonymisedAt),
            sent, inbound, await AuditAsync(sent.Select(m => m.Id).ToList(), s is null ? null : subject, cancellationToken));
        await RecordAsync(actor, subject, cancellationToken);
        return export;
    }

    private async Task<List<SentMessageExport>> SentAsync(IQueryable<SolidarityMessage> messages, CancellationToken cancellationToken) =>
        (await messages.AsNoTracking().Include(m => m.Translations).Include(m => m.Deliveries).Include(m => m.Recipients).ThenInclude(r => r.Union)
            .OrderBy(m => m.ReceivedAt).AsSplitQuery().ToListAsync(cancellationToken))
        .Select(m => new SentMessageExport(m.Id, m.Status, m.Channel, m.Title, m.Body, m.Language, m.Author, m.Publish, m.IdempotencyKey,
            m.ConfirmationAddress, m.ConfirmedAt, m.ReceivedAt, m.UpdatedAt, m.ModerationDecision, m.ModerationReasons, m.DecidedBy,
            m.PublishedAt, m.PublicationUrl, m.TakenDownAt, m.TakedownReason, m.SummarySentAt, m.AnonymisedAt, Translations(m),
            m.Deliveries.OrderBy(d => d.At).Select(d => new OutgoingDeliveryExport(d.RecipientUnionId,
                m.Recipients.FirstOrDefault(r => r.UnionId == d.RecipientUnionId)?.Union?.Name, d.Language, d.Status, d.Attempts, d.At)).ToList()))
        .ToList();

    private static List<TranslationExport> Translations(SolidarityMessage m) =>
        m.Translations.OrderBy(t => t.Language).Select(t => new TranslationExport(t.Language, t.Title, t.Body, t.Origin, t.Provider, t.Path, t.At)).ToList();

    private Task<List<InboundMailExport>> InboundAsync(string address, CancellationToken cancellationToken) =>
        db.InboundMails.AsNoTracking().Where(i => i.From.ToLower() == address).OrderBy(i => i.ReceivedAt)
            .Select(i => new InboundMailExport(i.Key, i.From, i.Subject, i.Outcome, i.Detail, i.MessageId, i.ReceivedAt, i.RepliedAt, i.AnonymisedAt))
            .ToListAsync(cancellationToken);

    /// <summary>The acts on the subject's messages, and the exports and erasures of the subject itself.</summary>
    private async Task<List<AuditEntryView>> AuditAsync(List<Guid> messages, string? subject, CancellationToken cancellationToken)
    {
        var prefix = subject + ":";
        return await db.AuditLog.AsNoTracking()
            .Where(a => (a.MessageId != null && messages.Contains(a.MessageId.Value))
                || (subject != null && a.MessageId == null && (a.Detail == subject || a.Detail!.StartsWith(prefix))))
            .OrderBy(a => a.At).Select(a => new AuditEntryView(a.At, a.Actor, a.Action, a.MessageId, a.Detail, a.Reason)).ToListAsync(cancellationToken);
    }

    private async Task RecordAsync(string actor, string subject, CancellationToken cancellationToken)
    {
        db.AuditLog.Add(new AuditEntry { Id = Guid.NewGuid(), At = DateTime.UtcNow, Actor = actor, Action = AuditAction.Export, MessageId = null, Detail = subject });
        await db.SaveChangesAsync(cancellationToken);
    }
}
