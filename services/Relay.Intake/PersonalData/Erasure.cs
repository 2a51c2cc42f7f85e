using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake.PersonalData;

/// <summary>What an erasure removed.</summary>
public sealed record ErasureCounts(int Messages, int TakenDown, int Deliveries, int InboundMails, int Bounces);

/// <summary>What a coordinator's erasure came to.</summary>
public abstract record ErasureResult
{
    public sealed record Erased(ErasureCounts Counts) : ErasureResult;
    public sealed record NotFound : ErasureResult;
    /// <summary>Messages from or to the subject are still moving through the stages; erasing now would take the address a stage still needs.</summary>
    public sealed record InFlight(IReadOnlyList<Guid> Messages) : ErasureResult;
}

/// <summary>
/// A coordinator erases, at their request, everything personal Relay holds about one union or one
/// supporter. Refused while a message from or to them is in flight (<see cref="PersonalDataRules.Settled"/>);
/// otherwise done in one transaction with its audit entry, which names the row by id and gives
/// counts, never the data itself.
/// <list type="bullet">
/// <item>A supporter: name, organisation and address replaced (their published letters stay, signed
/// "anonymised supporter"), their messages' confirmation addresses and signatures removed, the
/// intake emails from their address anonymised.</item>
/// <item>A union: its key revoked, name and address replaced, suppressed (nothing is delivered to
/// it again), the messages it sent anonymised and taken off the public site (the letter names and
/// speaks for the union; a letter with its sender erased would be unattributed), the deliveries to
/// it keep their status but lose its address and the addresses in SMTP replies, its bounce reports
/// deleted, the intake emails from its address anonymised. The row stays ("erased union"), so the
/// messages other unions sent it keep their recipient.</item>
/// </list>
/// </summary>
public sealed class Erasure(RelayDb db, IOptions<Relay.ServiceDefaults.LinkOptions> links, Auth.RecentLookups recent)
{
    public const string TakedownReason = "Its sender's data was erased at the sender's request.";

    public async Task<ErasureResult> EraseSupporterAsync(string email, string actor, string? reason, CancellationToken cancellationToken)
    {
        var address = email.Trim().ToLowerInvariant();
        var supporter = await db.Supporters.FirstOrDefaultAsync(s => s.Email == address, cancellationToken);
        var mails = db.InboundMails.Where(i => i.AnonymisedAt == null && i.From.ToLower() == address);
        if (supporter is null && !await mails.AnyAsync(cancellationToken))
            return new ErasureResult.NotFound();

        var now = DateTime.UtcNow;
        var messages = supporter is null ? [] : await db.Messages.Where(m => m.SupporterId == supporter.Id).Select(m => m.Id).ToListAsync(cancellationToken);
        if (await InFlightAsync(db.Messages.Where(m => messages.Contains(m.Id)), now, cancellationToken) is { Count: > 0 } moving)
            return new ErasureResult.InFlight(moving);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (anonymised, deliveries) = await Anonymisation.AnonymiseMessagesAsync(db, messages, now, erasing: true, cancellationToken);
        if (supporter is not null)
            await Anonymisation.AnonymiseSupportersAsync(db, [supporter.Id], now, cancellationToken);
        var inbound = await Anonymisation.AnonymiseInboundMailsAsync(mails, now, cancellationToken);
        var counts = new ErasureCounts(anonymised, 0, deliveries, inbound, 0);
        Record(actor, supporter is null ? "intake emails of one address" : $"supporter {supporter.Id}", counts, reason);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ErasureResult.Erased(counts);
    }

    public async Task<ErasureResult> EraseUnionAsync(Guid id, string actor, string? reason, CancellationToken cancellationToken)
    {
        var union = await db.Unions.FirstOrDefaultAsync(u => u.Id == id && u.ErasedAt == null, cancellationToken);
        if (union is null)
            return new ErasureResult.NotFound();
        var now = DateTime.UtcNow;
        if (await InFlightAsync(db.Messages.Where(m => m.SenderUnionId == id || m.Recipients.Any(r => r.UnionId == id)), now, cancellationToken) is { Count: > 0 } moving)
            return new ErasureResult.InFlight(moving);

        var address = union.Email.ToLowerInvariant();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var sent = await db.Messages.Where(m => m.SenderUnionId == id).Select(m => m.Id).ToListAsync(cancellationToken);
        var published = await db.Messages.Where(m => m.SenderUnionId == id && m.PublishedAt != null && m.TakenDownAt == null)
            .Select(m => new { m.Id, m.PublicationUrl }).ToListAsync(cancellationToken);
        await db.Messages.Where(m => m.SenderUnionId == id && m.PublishedAt != null && m.TakenDownAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.TakenDownAt, now).SetProperty(m => m.TakedownReason, TakedownReason), cancellationToken);
        foreach (var message in published)
            db.Audit(actor, AuditAction.Takedown, message.Id, message.PublicationUrl, TakedownReason);
        var (anonymised, deliveries) = await Anonymisation.AnonymiseMessagesAsync(db, sent, now, erasing: true, cancellationToken);

        // Deliveries to it: the status stays (the sender's record of who received its letter), the address goes.
        var toIt = await db.Deliveries.Where(d => d.RecipientUnionId == id).ToListAsync(cancellationToken);
        foreach (var delivery in toIt)
            (delivery.Address, delivery.Detail) = (PersonalDataRules.PlaceholderAddress(delivery.Id), PersonalDataRules.RedactAddresses(delivery.Detail));
        var bounces = await db.Bounces.Where(b => b.UnionId == id || b.Address.ToLower() == address).ExecuteDeleteAsync(cancellationToken);
        var inbound = await Anonymisation.AnonymiseInboundMailsAsync(db.InboundMails.Where(i => i.From.ToLower() == address), now, cancellationToken);

        union.Name = PersonalDataRules.ErasedUnionName;
        union.Email = PersonalDataRules.PlaceholderAddress(union.Id);
        // The hash of a key no one was ever given: its key and every session opened with it stop working.
        union.ApiKeyHash = ApiKeys.Hash(ApiKeys.Generate());
        (union.SuppressedAt, union.SuppressedReason) = (union.SuppressedAt ?? now, "erased");
        (union.ErasedAt, union.ReviewIncoming, union.SignInLinksSpentUntil) = (now, false, now);
        var counts = new ErasureCounts(anonymised, published.Count, deliveries + toIt.Count, inbound, bounces);
        Record(actor, $"union {id}", counts, reason);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        recent.ForgetUnion(id);
        return new ErasureResult.Erased(counts);
    }

    private async Task<IReadOnlyList<Guid>> InFlightAsync(IQueryable<SolidarityMessage> messages, DateTime now, CancellationToken cancellationToken)
    {
        var settled = PersonalDataRules.Settled(now, links.Value.ConfirmationWindow);
        var notSettled = Expression.Lambda<Func<SolidarityMessage, bool>>(Expression.Not(settled.Body), settled.Parameters);
        return await messages.Where(notSettled).OrderBy(m => m.ReceivedAt).Select(m => m.Id).Take(100).ToListAsync(cancellationToken);
    }

    private void Record(string actor, string subject, ErasureCounts counts, string? reason) =>
        db.AuditLog.Add(new AuditEntry
        {
            Id = Guid.NewGuid(), At = DateTime.UtcNow, Actor = actor, Action = AuditAction.Erase,
            Detail = $"{subject}: {counts.Messages} messages anonymised, {counts.TakenDown} taken down, {counts.Deliveries} deliveries, {counts.InboundMails} intake emails, {counts.Bounces} bounce reports",
            Reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(),
        });
}
