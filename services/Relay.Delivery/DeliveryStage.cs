using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Delivery;

/// <summary>
/// Emails approved messages to each of their recipient unions, a batch of messages at a time. A
/// delivery record exists before anything is sent and is claimed with a compare-and-swap on its
/// attempt count, so a replayed event or a second worker never sends a delivery that is sent or
/// being sent. The recipients of a batch's messages are sent to side by side over the pool's
/// connections, and the database work is done for the batch as a whole. A temporary failure leaves the
/// delivery "deferred" with its next attempt in the database (<see cref="RetrySchedule"/>, run by
/// <see cref="DeferredDeliveryScheduler"/>), until it is sent or given up; a permanent one is
/// "failed" with the server's reply. One bad recipient never holds up the others. A union that
/// opted out or kept bouncing is "suppressed", never sent to; a domain over its rate limit waits.
/// </summary>
public sealed class DeliveryStage(
    RelayDb db, SmtpConnectionPool smtp, RecipientLinks links, DkimSigning dkim, DomainRateLimiter domains,
    IOptions<MailOptions> mail, IOptions<DeliveryOptions> retries, ILogger<DeliveryStage> logger)
{
    /// <summary>Delivers one message (the deferred-delivery scheduler's way); see the batch overload.</summary>
    /// <exception cref="InvalidOperationException">The message is not in the database.</exception>
    public Task RunAsync(Guid messageId, CancellationToken cancellationToken) => RunAsync([messageId], cancellationToken);

    /// <summary>
    /// Delivers a batch of approved messages together: one load, one write creating their
    /// deliveries, the due ones claimed and sent side by side across messages, one status query,
    /// and one write settling every message whose deliveries are all final. Messages that are not
    /// approved (already delivered, say, when an event is replayed) are skipped; an id given twice
    /// counts once.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Some ids are not in the database: thrown after the others were delivered, naming them, so the
    /// event ends in the endpoint's _error queue instead of vanishing.
    /// </exception>
    /// <exception cref="DbUpdateException">Another worker created some of these deliveries at the same moment (a retry finds them).</exception>
    public async Task RunAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken)
    {
        var ids = messageIds.Distinct().ToList();
        var found = await db.Messages
            .Include(m => m.Sender).Include(m => m.Supporter)
            .Include(m => m.Recipients).ThenInclude(r => r.Union)
            .Include(m => m.Translations)
            .Include(m => m.Deliveries)
            .AsSplitQuery()
            .Where(m => ids.Contains(m.Id))
            .ToListAsync(cancellationToken);
        var messages = new List<SolidarityMessage>();
        foreach (var message in found)
        {
            if (message.Status == MessageStatus.Approved)
                messages.Add(message);
            else
                logger.LogInformation("Message {MessageId} is {Status}; nothing to deliver", message.Id, message.Status);
        }

        if (messages.Count > 0)
        {
            // A batch tracks hundreds of entities (a campaign's deliveries, its recipients and their
            // unions), and every group commit would compare all of them with their snapshots: the
            // stage says which entities it changed instead (Record, Settle).
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            try
            {
                await CreateDeliveriesAsync(messages, cancellationToken);
                await SendDueAsync(messages, cancellationToken);
                await SettleAsync(messages, cancellationToken);
            }
            finally { db.ChangeTracker.AutoDetectChangesEnabled = true; }
        }

        var missing = ids.Except(found.Select(m => m.Id)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException(missing.Count == 1
                ? $"Message {missing[0]} is not in the database."
                : $"Messages {string.Join(", ", missing)} are not in the database.");
    }

    private async Task SendDueAsync(List<SolidarityMessage> messages, CancellationToken cancellationToken)
    {
        var recipients = new Recipients(messages);
        var now = DateTime.UtcNow;
        var sendable = new List<Storage.Delivery>();
        foreach (var delivery in messages.SelectMany(m => m.Deliveries).Where(d => IsDue(d, now)).ToList())
        {
            var recipient = recipients.Of(delivery);
            if (recipient.IsSuppressed)
                await SuppressAsync(delivery, recipient, cancellationToken);
            else if (domains.WaitBefore(delivery.Address) is { } wait)
                await PostponeAsync(delivery, wait, cancellationToken);
            else
                sendable.Add(delivery);
        }
        // Claimed a few connections' worth at a time (one UPDATE each), whichever messages they
        // belong to, so a campaign to many unions or a batch of short messages costs a handful of
        // writes, and no claim outlives its lease while it waits its turn.
        var chunks = sendable.GroupBy(d => (d.Status, d.Attempts))
            .SelectMany(group => group.Chunk(smtp.Size * ChunkRounds).Select(chunk => (chunk, group.Key)))
            .ToList();
        if (chunks.Count > 0)
            await DeliverAsync(chunks, recipients, cancellationToken);
    }

    /// <summary>
    /// Marks delivered (or failed) every message whose deliveries are all final, with its
    /// MessageDelivered event, in one write. The outcomes are already committed: settling is the last
    /// step, and a conflict on a message's concurrency token costs no outcome.
    /// </summary>
    private async Task SettleAsync(List<SolidarityMessage> messages, CancellationToken cancellationToken)
    {
        // Decide on what the database says now: another worker may have sent some meanwhile. Each
        // worker looks after its own sends, so whichever finishes last sees every delivery final.
        var ids = messages.Select(m => m.Id).ToList();
        var statuses = (await db.Deliveries.AsNoTracking().Where(d => ids.Contains(d.MessageId))
            .Select(d => new { d.MessageId, d.Status, d.NextAttemptAt }).ToListAsync(cancellationToken))
            .ToLookup(d => d.MessageId);
        var settling = new List<(SolidarityMessage Message, int Sent, int Count)>();
        foreach (var message in messages)
        {
            var open = statuses[message.Id].Where(d => !DeliveryStatus.IsFinal(d.Status)).ToList();
            if (open.Count > 0)
                logger.LogInformation("Message {MessageId}: {Count} deliveries not done yet, next attempt {Next:u}", message.Id, open.Count,
                    open.Min(d => d.NextAttemptAt));
            else
                settling.Add((message, statuses[message.Id].Count(d => d.Status == DeliveryStatus.Sent), statuses[message.Id].Count()));
        }

        var events = new Dictionary<SolidarityMessage, OutboxMessage>();
        foreach (var (message, sent, count) in settling)
        {
            Settle(message, sent);
            db.Outbox.Add(events[message] = OutboxEvents.Create(new MessageDelivered(message.Id, sent, count - sent)));
        }
        // A conflict on a message's token means someone changed it since it was read (another worker
        // settling it too, most likely). The write is one transaction, so none of it was kept: the
        // messages are read again, those settled meanwhile are left out and the rest written again.
        for (var attempt = 1; events.Count > 0; attempt++)
        {
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                break;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                var reading = settling.Select(s => s.Message.Id).ToList();
                var current = await db.Messages.AsNoTracking().Where(m => reading.Contains(m.Id))
                    .Select(m => new { m.Id, m.Status, m.UpdatedAt }).ToDictionaryAsync(m => m.Id, cancellationToken);
                foreach (var (message, _, _) in settling.ToList())
                {
                    var token = db.Entry(message).Property(m => m.UpdatedAt);
                    var now = current.GetValueOrDefault(message.Id);
                    if (now is null || now.UpdatedAt == token.OriginalValue)
                        continue;
                    if (now.Status == MessageStatus.Approved)
                    {
                        // Changed in some other way: settled over that change, as a retry would.
                        token.OriginalValue = now.UpdatedAt;
                        continue;
                    }
                    logger.LogInformation("Message {MessageId} was settled by another worker meanwhile", message.Id);
                    (message.Status, message.UpdatedAt) = (now.Status, now.UpdatedAt);
                    db.Entry(message).State = EntityState.Unchanged;
                    db.Entry(events[message]).State = EntityState.Detached;
                    events.Remove(message);
                    settling.RemoveAll(s => s.Message == message);
                }
            }
        }
        foreach (var (message, sent, count) in settling)
            logger.LogInformation("Message {MessageId} {Status}: {Sent} of {Count} sent", message.Id, message.Status, sent, count);
    }

    private void Settle(SolidarityMessage message, int sent)
    {
        message.Status = sent > 0 ? MessageStatus.Delivered : MessageStatus.Failed;
        message.UpdatedAt = DateTime.UtcNow;
        db.Entry(message).DetectChanges();
    }

    private async Task CreateDeliveriesAsync(List<SolidarityMessage> messages, CancellationToken cancellationToken)
    {
        var undelivered = messages.SelectMany(m => m.Recipients
            .Where(r => m.Deliveries.All(d => d.RecipientUnionId != r.UnionId))
            .Select(r => (Message: m, Recipient: r))).ToList();
        foreach (var (message, recipient) in undelivered)
        {
            // Added through the set: a delivery with its id already set, found only through the
            // navigation, would be taken for an existing row.
            var union = recipient.Union!;
            db.Deliveries.Add(new Storage.Delivery
            {
                Id = Guid.NewGuid(),
                MessageId = message.Id,
                RecipientUnionId = recipient.UnionId,
                Address = union.Email,
                Language = union.PreferredLanguage,
                EmailMessageId = MailComposer.MessageIdFor(message.Id, recipient.UnionId, mail.Value.MessageIdDomain),
                At = DateTime.UtcNow,
                Status = union.IsSuppressed ? DeliveryStatus.Suppressed : DeliveryStatus.Pending,
                Detail = union.IsSuppressed ? union.SuppressedReason : null,
            });
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The recipient stopped receiving messages after this delivery was created: it is never sent.</summary>
    private async Task SuppressAsync(Storage.Delivery delivery, Union recipient, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var suppressed = await db.Deliveries
            .Where(d => d.Id == delivery.Id && d.Attempts == delivery.Attempts && d.Status == delivery.Status)
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, DeliveryStatus.Suppressed)
                .SetProperty(d => d.Detail, recipient.SuppressedReason)
                .SetProperty(d => d.NextAttemptAt, (DateTime?)null)
                .SetProperty(d => d.At, now), cancellationToken);
        if (suppressed == 0)
            return; // another worker got to it first
        logger.LogInformation("Delivery {DeliveryId} to {Address} suppressed: {Reason}", delivery.Id, delivery.Address, recipient.SuppressedReason);
    }

    /// <summary>The recipient's domain had its share this minute: try again when the window opens (not an attempt).</summary>
    private async Task PostponeAsync(Storage.Delivery delivery, TimeSpan wait, CancellationToken cancellationToken)
    {
        var next = DateTime.UtcNow + wait;
        var postponed = await db.Deliveries
            .Where(d => d.Id == delivery.Id && d.Attempts == delivery.Attempts && d.Status == delivery.Status)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, next), cancellationToken);
        if (postponed > 0)
            db.Entry(delivery).Property(d => d.NextAttemptAt).OriginalValue = delivery.NextAttemptAt = next;
        logger.LogInformation("Delivery {DeliveryId}: {Domain} has had {Limit} emails this minute; next attempt {Next:u}",
            delivery.Id, DomainRateLimiter.DomainOf(delivery.Address), retries.Value.PerDomainPerMinute, next);
    }

    /// <summary>
    /// Claims deliveries that were due with the same status and attempt count, in one UPDATE: only
    /// the worker that moves the count from what it read may send, and the claim holds each for a
    /// lease (no one else finds it due meanwhile; if this worker dies mid-send, the lease ends and it
    /// is due again). The lease, unique to this claim, tells which rows are ours when another
    /// worker took some of them first. Not cancellable once begun: a claim cancelled after the
    /// database took it would hold rows no one sends or releases until the lease ends (four
    /// deliveries waited four minutes so in the scale-out proof); the caller stops claiming instead.
    /// </summary>
    private async Task<IReadOnlyList<Storage.Delivery>> ClaimAsync(Storage.Delivery[] chunk, (string Status, int Attempts) read)
    {
        var now = DateTime.UtcNow;
        // Whole microseconds: PostgreSQL keeps no finer, and the value is read back below.
        var lease = now + Lease;
        lease = new DateTime(lease.Ticks - lease.Ticks % 10, DateTimeKind.Utc);
        var ids = chunk.Select(d => d.Id).ToList();
        var claimed = await db.Deliveries
            .Where(d => ids.Contains(d.Id) && d.Status == read.Status && d.Attempts == read.Attempts
                && (d.NextAttemptAt == null || d.NextAttemptAt <= now))
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Attempts, d => d.Attempts + 1)
                .SetProperty(d => d.NextAttemptAt, lease)
                .SetProperty(d => d.FirstAttemptAt, d => d.FirstAttemptAt ?? now), CancellationToken.None);
        var ours = chunk.ToList();
        if (claimed < chunk.Length)
        {
            var held = await db.Deliveries.AsNoTracking().Where(d => ids.Contains(d.Id) && d.NextAttemptAt == lease)
                .Select(d => d.Id).ToListAsync(CancellationToken.None);
            ours = chunk.Where(d => held.Contains(d.Id)).ToList();
            foreach (var taken in chunk.Except(ours))
                await db.Entry(taken).ReloadAsync(CancellationToken.None); // another worker got to it first
        }
        foreach (var delivery in ours)
        {
            if (delivery.Status == DeliveryStatus.Pending && delivery.Attempts > 0)
                logger.LogWarning("Delivery {DeliveryId} of message {MessageId} to {Address}: the outcome of attempt {Attempt} was never recorded; " +
                    "sending again may repeat it (same Message-ID <{EmailMessageId}>)", delivery.Id, delivery.MessageId, delivery.Address,
                    delivery.Attempts, delivery.EmailMessageId);
            // The database already holds the new count: keep the tracked entity in step without writing it again.
            db.Entry(delivery).Property(d => d.Attempts).OriginalValue = ++delivery.Attempts;
            db.Entry(delivery).Property(d => d.NextAttemptAt).OriginalValue = delivery.NextAttemptAt = lease;
            // Written by the claim too: left to the outcome's write, it cost an UPDATE of its own for every
            // delivery of the chunk whose outcome came after the first group commit.
            db.Entry(delivery).Property(d => d.FirstAttemptAt).OriginalValue = delivery.FirstAttemptAt ??= now;
        }
        return ours;
    }

    /// <summary>
    /// Claims the chunks one after the other and sends what each claim won over the pool's
    /// connections side by side. The next chunk is claimed as soon as the sends have taken every
    /// delivery claimed before, so the connections do not wait for a claim, nor for the tail of a
    /// chunk. Each outcome is recorded as soon as it is known: outcomes that arrive while the previous
    /// ones are being written go together in the next write (a group commit), so a busy run writes
    /// rarely and a quiet one at once. Only this loop uses the database; the sends run beside it.
    /// </summary>
    private async Task DeliverAsync(List<(Storage.Delivery[] Chunk, (string Status, int Attempts) Read)> chunks, Recipients recipients,
        CancellationToken cancellationToken)
    {
        var claimed = Channel.CreateUnbounded<Storage.Delivery>();
        var outcomes = Channel.CreateUnbounded<(Storage.Delivery Delivery, string? Reply, Exception? Error)>();
        var unsent = new ConcurrentQueue<Storage.Delivery>();
        var sending = SendAllAsync(claimed.Reader, outcomes.Writer, unsent, recipients, cancellationToken);
        var next = 0;
        try
        {
            do
            {
                while (next < chunks.Count && claimed.Reader.Count == 0 && !cancellationToken.IsCancellationRequested)
                {
                    var (chunk, read) = chunks[next++];
                    foreach (var delivery in await ClaimAsync(chunk, read))
                        claimed.Writer.TryWrite(delivery);
                }
                if (next == chunks.Count || cancellationToken.IsCancellationRequested)
                    claimed.Writer.TryComplete();
            }
            while (await RecordOutcomesAsync(outcomes.Reader));
        }
        finally
        {
            // When a claim or a write failed, or the run is being cancelled: every email that went out is
            // recorded, and what was claimed but never handed to a connection is released, due at once.
            claimed.Writer.TryComplete();
            while (claimed.Reader.TryRead(out var delivery))
                unsent.Enqueue(delivery);
            while (await RecordOutcomesAsync(outcomes.Reader)) { }
            await sending;
            await ReleaseAsync([.. unsent]);
        }
    }

    /// <summary>
    /// Hands back claims whose emails never left: a run is cancelled when the broker connection that
    /// brought its message is lost (a node stopping), and the message comes again, to this worker or
    /// another, which would otherwise find them held for the whole lease (minutes). Due at once rather
    /// than unset, so the scheduler picks them up even when the message came again before this write.
    /// Each row only if it still holds this claim's lease; when the write fails, the lease still ends.
    /// </summary>
    private async Task ReleaseAsync(List<Storage.Delivery> unsent)
    {
        if (unsent.Count == 0)
            return;
        var now = DateTime.UtcNow;
        now = new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
        try
        {
            foreach (var claim in unsent.GroupBy(d => d.NextAttemptAt))
            {
                var ids = claim.Select(d => d.Id).ToList();
                var lease = claim.Key;
                await db.Deliveries.Where(d => ids.Contains(d.Id) && d.NextAttemptAt == lease)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.Attempts, d => d.Attempts - 1)
                        .SetProperty(d => d.NextAttemptAt, now), CancellationToken.None);
                foreach (var delivery in claim)
                {
                    db.Entry(delivery).Property(d => d.Attempts).OriginalValue = --delivery.Attempts;
                    db.Entry(delivery).Property(d => d.NextAttemptAt).OriginalValue = delivery.NextAttemptAt = now;
                }
            }
            logger.LogInformation("Released {Count} claimed deliveries that were never sent; they are due again", unsent.Count);
        }
        catch (Exception e) when (StorageFailures.IsUnavailable(e))
        {
            logger.LogWarning("Could not release {Count} claimed deliveries that were never sent ({Error}); they are due again when their lease ends",
                unsent.Count, e.Message);
        }
    }

    private async Task SendAllAsync(ChannelReader<Storage.Delivery> claimed, ChannelWriter<(Storage.Delivery, string?, Exception?)> outcomes,
        ConcurrentQueue<Storage.Delivery> unsent, Recipients recipients, CancellationToken cancellationToken)
    {
        try
        {
            await Parallel.ForEachAsync(claimed.ReadAllAsync(CancellationToken.None),
                // Every delivery read here is either sent and recorded or handed back: once the run is
                // cancelled, no new email starts, and what is left is released (ReleaseAsync).
                new ParallelOptions { MaxDegreeOfParallelism = smtp.Size },
                async (delivery, _) =>
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        unsent.Enqueue(delivery);
                        return;
                    }
                    var email = MailComposer.Compose(Draft(recipients.MessageOf(delivery), recipients.Of(delivery)), mail.Value);
                    dkim.Sign(email);
                    // An email on the wire is finished, not cancelled: cut off mid-send it might have been
                    // taken and go again. Cancellation stops new sends; the pool's timeout bounds this one.
                    try { outcomes.TryWrite((delivery, await smtp.SendAsync(email, CancellationToken.None), null)); }
                    catch (Exception e) when (e is not OperationCanceledException) { outcomes.TryWrite((delivery, null, e)); }
                });
        }
        finally { outcomes.Complete(); }
    }

    /// <summary>Waits for outcomes and writes every one that has arrived; false once the sends are over.</summary>
    private async Task<bool> RecordOutcomesAsync(ChannelReader<(Storage.Delivery Delivery, string? Reply, Exception? Error)> outcomes)
    {
        if (!await outcomes.WaitToReadAsync(CancellationToken.None))
            return false;
        while (outcomes.TryRead(out var outcome))
            Record(outcome.Delivery, outcome.Reply, outcome.Error);
        await db.SaveChangesAsync(CancellationToken.None);
        return true;
    }

    private void Record(Storage.Delivery delivery, string? reply, Exception? error)
    {
        if (error is null)
            (delivery.Status, delivery.Detail, delivery.NextAttemptAt) = (DeliveryStatus.Sent, reply, null);
        else
        {
            var outcome = DeliveryOutcome.Classify(error);
            var next = outcome.Permanent ? null : RetrySchedule.NextAttempt(delivery.Attempts, delivery.FirstAttemptAt!.Value, DateTime.UtcNow, retries.Value);
            var gaveUp = !outcome.Permanent && next is null;
            var detail = gaveUp ? $"gave up after {delivery.Attempts} attempts over {retries.Value.GiveUpAfter.TotalDays:0.#} days; last: {outcome.Detail}" : outcome.Detail;
            (delivery.Status, delivery.Detail, delivery.NextAttemptAt) = (next is null ? DeliveryStatus.Failed : DeliveryStatus.Deferred, detail, next);
            db.Enqueue(new DeliveryFailed(delivery.MessageId, delivery.RecipientUnionId, detail, next is null));
            logger.LogWarning("Delivery {DeliveryId} to {Address} {Status}: {Detail}", delivery.Id, delivery.Address, delivery.Status, outcome.Detail);
            if (next is not null && DeliveryOutcome.MayHaveBeenAccepted(error))
                logger.LogWarning("Delivery {DeliveryId} of message {MessageId} to {Address}: no answer from the server after sending; it may have taken the email, " +
                    "so the next attempt may repeat it (same Message-ID <{EmailMessageId}>)", delivery.Id, delivery.MessageId, delivery.Address, delivery.EmailMessageId);
        }
        delivery.At = DateTime.UtcNow;
        db.Entry(delivery).DetectChanges();
    }

    /// <summary>How many sends per connection one claim covers.</summary>
    private const int ChunkRounds = 2;

    /// <summary>
    /// How long a claimed delivery is held by the worker sending it: longer than its chunk may take,
    /// each send lasting at most the pool's timeout (the wait for a connection included), after the
    /// round of the previous chunk still in flight when it was claimed.
    /// </summary>
    private TimeSpan Lease => smtp.Timeout * (ChunkRounds + 1) + TimeSpan.FromMinutes(1);

    /// <summary>Pending or deferred, and not held by a claim or waiting for its next attempt.</summary>
    public static bool IsDue(Storage.Delivery delivery, DateTime now) =>
        delivery.Status is DeliveryStatus.Pending or DeliveryStatus.Deferred
        && (delivery.NextAttemptAt is null || delivery.NextAttemptAt <= now);

    private EmailDraft Draft(SolidarityMessage message, Union recipient)
    {
        var translations = recipient.Languages
            .Select(language => message.Translations.FirstOrDefault(t => t.Language == language))
            .OfType<Storage.Translation>()
            .Select(t => new EmailText(t.Language, t.Title, t.Body, t.Origin, t.Provider))
            .ToList();
        return new EmailDraft(message.Id, recipient.Id, message.SenderName, message.SenderEmail ?? "", message.Author,
            recipient.Name, recipient.Email, translations,
            new EmailText(message.Language ?? "und", message.Title, message.Body),
            links.PreferencesUrl(mail.Value.PublicBaseUrl, recipient.Id));
    }

    /// <summary>The message and the recipient union of each delivery of a batch.</summary>
    private sealed class Recipients(List<SolidarityMessage> messages)
    {
        private readonly Dictionary<Guid, SolidarityMessage> _messages = messages.ToDictionary(m => m.Id);
        private readonly Dictionary<(Guid, Guid), Union> _unions = messages.SelectMany(m => m.Recipients)
            .ToDictionary(r => (r.MessageId, r.UnionId), r => r.Union!);

        public SolidarityMessage MessageOf(Storage.Delivery delivery) => _messages[delivery.MessageId];
        public Union Of(Storage.Delivery delivery) => _unions[(delivery.MessageId, delivery.RecipientUnionId)];
    }
}
