using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake.PersonalData;

/// <summary>What one round of the anonymisation changed.</summary>
public sealed record AnonymisationCounts(int Messages, int Deliveries, int Supporters, int InboundMails, int Bounces)
{
    public bool Any => Messages + Deliveries + Supporters + InboundMails + Bounces > 0;
}

/// <summary>
/// Removes the personal data that has outlived <see cref="DataProtectionOptions.AnonymiseAfter"/>:
/// settled messages lose their sender's confirmation address and a supporter's signature (the
/// letter's text and translations stay, and stay published), SMTP replies lose the addresses in
/// them, a supporter whose every message was anonymised loses their name, organisation and address,
/// intake emails lose their sender's address, subject and detail, and bounce reports are deleted.
/// <para>
/// Every step works in chunks of <see cref="DataProtectionOptions.ChunkSize"/> rows, each its own
/// short transaction, and only ever asks for rows not yet done and writes the same values whoever
/// writes them: a round that is interrupted, repeated, or run by two instances at once leaves the
/// same result, and a row is changed once.
/// </para>
/// </summary>
public sealed class Anonymisation(RelayDb db, IOptions<DataProtectionOptions> options, IOptions<Relay.ServiceDefaults.LinkOptions> links, ILogger<Anonymisation> logger)
{
    /// <summary>What an intake email's sender address becomes.</summary>
    public const string AnonymisedFrom = "anonymised";

    public async Task<AnonymisationCounts> RunAsync(DateTime now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var cutoff = now - settings.AnonymiseAfter;
        var chunk = settings.ChunkSize;

        int messages = 0, deliveries = 0;
        while (await PersonalDataRules.Due(db.Messages, now, settings.AnonymiseAfter, links.Value.ConfirmationWindow)
                   .OrderBy(m => m.ReceivedAt).Select(m => m.Id).Take(chunk).ToListAsync(cancellationToken) is { Count: > 0 } ids)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var (m, d) = await AnonymiseMessagesAsync(db, ids, now, erasing: false, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            (messages, deliveries) = (messages + m, deliveries + d);
        }

        var supporters = 0;
        // A supporter is done once every message of theirs is: one with a recent or unsettled message keeps their name.
        while (await db.Supporters.Where(s => s.AnonymisedAt == null && s.CreatedAt < cutoff && !db.Messages.Any(m => m.SupporterId == s.Id && m.AnonymisedAt == null))
                   .OrderBy(s => s.CreatedAt).Select(s => s.Id).Take(chunk).ToListAsync(cancellationToken) is { Count: > 0 } ids)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            supporters += await AnonymiseSupportersAsync(db, ids, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        var mails = 0;
        // An email that became a message waits for that message to be anonymised (never one in flight).
        while (await db.InboundMails.Where(i => i.AnonymisedAt == null && i.ReceivedAt < cutoff && !db.Messages.Any(m => m.Id == i.MessageId && m.AnonymisedAt == null))
                   .OrderBy(i => i.ReceivedAt).Select(i => i.Key).Take(chunk).ToListAsync(cancellationToken) is { Count: > 0 } keys)
            mails += await AnonymiseInboundMailsAsync(db.InboundMails.Where(i => keys.Contains(i.Key)), now, cancellationToken);

        var bounces = 0;
        // A bounce report only ever counted towards a suppression (the union keeps its count): nothing of it is needed this late.
        while (await db.Bounces.Where(b => b.ReceivedAt < cutoff).Select(b => b.Key).Take(chunk).ToListAsync(cancellationToken) is { Count: > 0 } keys)
            bounces += await db.Bounces.Where(b => keys.Contains(b.Key)).ExecuteDeleteAsync(cancellationToken);

        var counts = new AnonymisationCounts(messages, deliveries, supporters, mails, bounces);
        logger.Log(counts.Any ? LogLevel.Information : LogLevel.Debug,
            "Anonymised personal data received before {Cutoff:u}: {Messages} messages, {Deliveries} delivery replies, {Supporters} supporters, {InboundMails} intake emails; {Bounces} bounce reports deleted",
            cutoff, messages, deliveries, supporters, mails, bounces);
        return counts;
    }

    /// <summary>
    /// The messages lose their confirmation address and, when a private person signed them (a
    /// supporter's), the signature; <paramref name="erasing"/> (their sender erased) takes a union's
    /// signature too and acts on messages anonymised before. Their deliveries' SMTP replies lose the
    /// addresses in them. UpdatedAt moves, so the public site's pages and feeds are built again.
    /// Runs inside the caller's transaction. Returns the messages and the deliveries changed.
    /// </summary>
    internal static async Task<(int Messages, int Deliveries)> AnonymiseMessagesAsync(RelayDb db, IReadOnlyCollection<Guid> ids, DateTime now, bool erasing,
        CancellationToken cancellationToken)
    {
        var messages = await db.Messages.Where(m => ids.Contains(m.Id) && (erasing || m.AnonymisedAt == null)).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.ConfirmationAddress, (string?)null)
            .SetProperty(m => m.Author, m => erasing || m.SupporterId != null ? null : m.Author)
            .SetProperty(m => m.AnonymisedAt, m => m.AnonymisedAt ?? now)
            .SetProperty(m => m.UpdatedAt, now), cancellationToken);
        var deliveries = await RedactDeliveriesAsync(db, db.Deliveries.Where(d => ids.Contains(d.MessageId)), cancellationToken);
        return (messages, deliveries);
    }

    /// <summary>The addresses inside SMTP replies are removed (a regular expression: the database cannot do it).</summary>
    internal static async Task<int> RedactDeliveriesAsync(RelayDb db, IQueryable<Relay.Storage.Delivery> deliveries, CancellationToken cancellationToken)
    {
        var named = await deliveries.Where(d => d.Detail != null && d.Detail.Contains("@")).ToListAsync(cancellationToken);
        foreach (var delivery in named)
            delivery.Detail = PersonalDataRules.RedactAddresses(delivery.Detail);
        await db.SaveChangesAsync(cancellationToken);
        return named.Count;
    }

    /// <summary>The supporters' name, organisation and address are replaced; their published messages' pages are built again. Inside the caller's transaction.</summary>
    internal static async Task<int> AnonymiseSupportersAsync(RelayDb db, IReadOnlyCollection<Guid> ids, DateTime now, CancellationToken cancellationToken)
    {
        var supporters = await db.Supporters.Where(s => ids.Contains(s.Id) && s.AnonymisedAt == null).ToListAsync(cancellationToken);
        foreach (var supporter in supporters)
        {
            supporter.Name = PersonalDataRules.AnonymisedSupporterName;
            supporter.Organisation = null;
            supporter.Email = PersonalDataRules.PlaceholderAddress(supporter.Id);
            supporter.AnonymisedAt = now;
        }
        await db.SaveChangesAsync(cancellationToken);
        await db.Messages.Where(m => m.SupporterId != null && ids.Contains(m.SupporterId.Value) && m.PublishedAt != null)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.UpdatedAt, now), cancellationToken);
        return supporters.Count;
    }

    /// <summary>The emails keep their key (reading the mailbox again still changes nothing) and their outcome; the sender's address, the subject and the detail go.</summary>
    internal static Task<int> AnonymiseInboundMailsAsync(IQueryable<InboundMail> mails, DateTime now, CancellationToken cancellationToken) =>
        mails.Where(i => i.AnonymisedAt == null).ExecuteUpdateAsync(s => s
            .SetProperty(i => i.From, AnonymisedFrom)
            .SetProperty(i => i.Subject, (string?)null)
            .SetProperty(i => i.Detail, (string?)null)
            .SetProperty(i => i.AnonymisedAt, now), cancellationToken);
}

/// <summary>Runs the anonymisation in the intake: <see cref="DataProtectionOptions.FirstRunAfter"/> after the start, then every <see cref="DataProtectionOptions.RunEvery"/>.</summary>
public sealed class AnonymisationWork(IServiceScopeFactory scopes, IOptions<DataProtectionOptions> options, ILogger<AnonymisationWork> logger)
    : PeriodicWork(options.Value.RunEvery, logger)
{
    protected override string Doing => "Anonymising old personal data";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // PeriodicWork's first round comes one interval after the start: a day, which an intake redeployed daily would never reach.
        try
        {
            await Task.Delay(options.Value.FirstRunAfter, stoppingToken);
            await RunOnceAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "{Doing} failed; trying again in {Interval}", Doing, options.Value.RunEvery);
        }
        await base.ExecuteAsync(stoppingToken);
    }

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Anonymisation>().RunAsync(DateTime.UtcNow, cancellationToken);
    }
}
