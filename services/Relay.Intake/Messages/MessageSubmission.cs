using System.Net.Mail;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake;

/// <summary>What a submission came to: the stored message (new, or the earlier one with the same idempotency key), or why not.</summary>
public abstract record SubmissionResult
{
    public sealed record Accepted(SolidarityMessage Message) : SubmissionResult;
    public sealed record Invalid(Validation Validation) : SubmissionResult;
    /// <summary>Within a limit (RateLimits): nothing was stored; it may be tried again after <paramref name="RetryAfter"/>.</summary>
    public sealed record Limited(string Detail, TimeSpan RetryAfter) : SubmissionResult;
}

/// <summary>
/// A sender whose message goes on only once confirmed through a link emailed to <see cref="Email"/>:
/// a supporter (no union), or a union whose email could not be verified (the link then goes to the
/// union's registered address).
/// </summary>
public sealed record UnconfirmedSender(Guid? UnionId, string Name, string? Organisation, string Email);

/// <summary>
/// Submitting a message, shared by POST /api/messages, the unions' form, the supporters' form and
/// email intake so they cannot drift: validation, unknown recipients, idempotency, and the message
/// stored with its event in one transaction (an accepted message goes through even if the broker is down).
/// </summary>
public sealed class MessageSubmission(RelayDb db, IOptions<IntakeOptions> options, IOptions<Abuse.RateLimitOptions> limits,
    Auth.RecentLookups recent, SubmissionWriter? writer = null)
{
    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>A union's message, sent on at once (MessageSubmitted).</summary>
    public async Task<SubmissionResult> SubmitAsync(Guid sender, SubmitMessageRequest request, string? idempotencyKey, CancellationToken cancellationToken,
        string channel = MessageChannel.Api)
    {
        if (idempotencyKey is not null && await Find(m => m.SenderUnionId == sender && m.IdempotencyKey == idempotencyKey, cancellationToken) is { } earlier)
            return new SubmissionResult.Accepted(earlier);

        var validation = await ValidateAsync(request, idempotencyKey, cancellationToken);
        if (!validation.IsValid)
            return new SubmissionResult.Invalid(validation);
        if (await OverDailyRecipientsAsync(sender, request.RecipientIds.Count, cancellationToken) is { } limited)
            return limited;

        var message = NewMessage(request, idempotencyKey, channel);
        message.SenderUnionId = sender;
        var submitted = OutboxEvents.Create(new MessageSubmitted(message.Id, sender, request.RecipientIds, message.Language, message.ReceivedAt));
        System.Linq.Expressions.Expression<Func<SolidarityMessage, bool>> sameKey = m => m.SenderUnionId == sender && m.IdempotencyKey == idempotencyKey;
        // Written with other requests' messages, on the writer's own connection: changes the caller
        // tracks (email intake's record of the letter) are saved by the caller, after.
        if (writer is not null)
            return await SaveAsync(message, idempotencyKey, sameKey, () => writer.WriteAsync(message, submitted), cancellationToken);
        db.Messages.Add(message);
        db.Outbox.Add(submitted);
        return await SaveAsync(message, idempotencyKey, sameKey, () => db.SaveChangesAsync(cancellationToken), cancellationToken);
    }

    /// <summary>
    /// A message that waits for its sender to confirm it (ConfirmationRequested: the email stage
    /// sends the link); <see cref="MessageConfirmation"/> sends it on.
    /// </summary>
    public async Task<SubmissionResult> SubmitUnconfirmedAsync(UnconfirmedSender sender, SubmitMessageRequest request, string channel, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        await OpenOnceAsync(cancellationToken);
        var email = sender.Email.Trim().ToLowerInvariant();
        var supporter = sender.UnionId is null ? await db.Supporters.FirstOrDefaultAsync(s => s.Email == email, cancellationToken) : null;
        if (idempotencyKey is not null && (sender.UnionId ?? supporter?.Id) is { } senderId
            && await Find(m => (m.SenderUnionId == senderId || m.SupporterId == senderId) && m.IdempotencyKey == idempotencyKey, cancellationToken) is { } earlier)
            return new SubmissionResult.Accepted(earlier);

        var validation = await ValidateAsync(request, idempotencyKey, cancellationToken);
        ValidateSender(validation, sender);
        if (!validation.IsValid)
            return new SubmissionResult.Invalid(validation);
        var waiting = await db.Messages.CountAsync(m => m.Status == MessageStatus.AwaitingConfirmation
            && m.ConfirmationAddress!.ToLower() == email && m.ReceivedAt > DateTime.UtcNow.AddDays(-1), cancellationToken);
        if (waiting >= limits.Value.UnconfirmedPerAddress && limits.Value.Enabled)
            return new SubmissionResult.Invalid(validation.Add("email",
                $"{waiting} messages written in the last day are still waiting to be confirmed at this address: confirm them with the links we emailed before writing another."));
        if (sender.UnionId is { } unionId && await OverDailyRecipientsAsync(unionId, request.RecipientIds.Count, cancellationToken) is { } limited)
            return limited;

        var message = NewMessage(request, idempotencyKey, channel);
        message.Status = MessageStatus.AwaitingConfirmation;
        message.ConfirmationAddress = sender.Email.Trim();
        if (sender.UnionId is { } union)
            message.SenderUnionId = union;
        else
        {
            supporter ??= db.Supporters.Add(new Supporter { Id = Guid.NewGuid(), Name = "", Email = email, CreatedAt = message.ReceivedAt }).Entity;
            // The name and organisation as last given.
            supporter.Name = sender.Name.Trim();
            supporter.Organisation = string.IsNullOrWhiteSpace(sender.Organisation) ? null : sender.Organisation.Trim();
            message.Supporter = supporter;
        }
        db.Messages.Add(message);
        db.Enqueue(new ConfirmationRequested(message.Id));
        var id = sender.UnionId ?? supporter!.Id;
        return await SaveAsync(message, idempotencyKey, m => (m.SenderUnionId == id || m.SupporterId == id) && m.IdempotencyKey == idempotencyKey,
            () => db.SaveChangesAsync(cancellationToken), cancellationToken);
    }

    /// <summary>
    /// A union's message that named no recipient Relay knows (email intake): kept with none, in
    /// status awaiting_recipients and with no event, until a coordinator chooses them at the review
    /// desk (<see cref="Review.ReviewDesk.SendOnAsync"/>).
    /// </summary>
    public async Task<SubmissionResult> KeepForRecipientsAsync(Guid sender, SubmitMessageRequest request, string channel, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        if (idempotencyKey is not null && await Find(m => m.SenderUnionId == sender && m.IdempotencyKey == idempotencyKey, cancellationToken) is { } earlier)
            return new SubmissionResult.Accepted(earlier);

        request = request with { Recipients = [] };
        var validation = new Validation();
        foreach (var (field, errors) in request.Validate(options.Value).Errors.Where(e => e.Key != "recipients"))
            errors.ForEach(e => validation.Add(field, e));
        if (!validation.IsValid)
            return new SubmissionResult.Invalid(validation);

        var message = NewMessage(request, idempotencyKey, channel);
        message.SenderUnionId = sender;
        message.Status = MessageStatus.AwaitingRecipients;
        db.Messages.Add(message);
        return await SaveAsync(message, idempotencyKey, m => m.SenderUnionId == sender && m.IdempotencyKey == idempotencyKey,
            () => db.SaveChangesAsync(cancellationToken), cancellationToken);
    }

    /// <summary>A union addresses at most RateLimits:RecipientsPerUnionPerDay recipients in 24 hours, across its messages.</summary>
    private async Task<SubmissionResult.Limited?> OverDailyRecipientsAsync(Guid union, int adding, CancellationToken cancellationToken)
    {
        if (!limits.Value.Enabled)
            return null;
        await OpenOnceAsync(cancellationToken);
        var since = DateTime.UtcNow.AddDays(-1);
        var recent = db.Messages.Where(m => m.SenderUnionId == union && m.ReceivedAt > since);
        var addressed = await db.Recipients.CountAsync(r => recent.Any(m => m.Id == r.MessageId), cancellationToken);
        var cap = limits.Value.RecipientsPerUnionPerDay;
        if (addressed + adding <= cap)
            return null;
        var oldest = await recent.OrderBy(m => m.ReceivedAt).Select(m => (DateTime?)m.ReceivedAt).FirstOrDefaultAsync(cancellationToken);
        var retryAfter = oldest is { } first ? first.AddDays(1) - DateTime.UtcNow : TimeSpan.FromHours(1);
        return new SubmissionResult.Limited(
            $"This message has {adding} recipients, and {addressed} were addressed in the last 24 hours: a union may address at most {cap} a day. Write to the coordinators for a larger campaign.",
            retryAfter < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : retryAfter);
    }

    private static void ValidateSender(Validation validation, UnconfirmedSender sender)
    {
        validation.RequiredLine("name", sender.Name, "Your name is needed.")
            .Check(sender.Organisation is null || (sender.Organisation.Length <= 200 && !Validation.HasLineBreak(sender.Organisation)),
                "organisation", "The organisation must be one line of at most 200 characters.");
        var email = sender.Email?.Trim();
        if (string.IsNullOrEmpty(email) || email.Length > 320 || Validation.HasLineBreak(email)
            || !MailAddress.TryCreate(email, out var address) || address.Address != email)
            validation.Add("email", $"'{sender.Email}' is not an email address; the link that confirms the message is sent there.");
    }

    private async Task<Validation> ValidateAsync(SubmitMessageRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var validation = request.Validate(options.Value);
        if (idempotencyKey is { Length: > MaxIdempotencyKeyLength })
            validation.Add("Idempotency-Key", $"The Idempotency-Key header is longer than {MaxIdempotencyKeyLength} characters.");
        if (!validation.IsValid)
            return validation;
        var recipients = recent.NotKnown(request.RecipientIds);
        if (recipients.Count == 0)
            return validation;
        await OpenOnceAsync(cancellationToken);
        var known = await db.Unions.Where(u => recipients.Contains(u.Id) && u.ErasedAt == null).Select(u => u.Id).ToListAsync(cancellationToken);
        recent.RememberInDirectory(known);
        foreach (var unknown in recipients.Except(known))
            validation.Add("recipients", $"There is no union {unknown} in the directory.");
        return validation;
    }

    private static SolidarityMessage NewMessage(SubmitMessageRequest request, string? idempotencyKey, string channel)
    {
        var now = DateTime.UtcNow;
        var id = Guid.CreateVersion7();
        // The request's span names the message it created, as every later span of its trace does.
        System.Diagnostics.Activity.Current?.SetTag(Relay.ServiceDefaults.Telemetry.RelayMetrics.MessageIdTag, id);
        return new SolidarityMessage
        {
            Id = id,
            Title = request.Title!.Trim(),
            Body = request.Body!.Replace("\r\n", "\n").Trim(),
            Language = request.Language is null ? null : LanguageTags.Normalize(request.Language),
            Author = request.Author?.Trim(),
            Publish = request.Publish ?? false,
            Channel = channel,
            IdempotencyKey = idempotencyKey,
            ReceivedAt = now,
            UpdatedAt = now,
            Recipients = request.RecipientIds.Select(r => new MessageRecipient { UnionId = r }).ToList(),
        };
    }

    private async Task<SubmissionResult> SaveAsync(SolidarityMessage message, string? idempotencyKey,
        System.Linq.Expressions.Expression<Func<SolidarityMessage, bool>> sameKey, Func<Task> write, CancellationToken cancellationToken)
    {
        try
        {
            await write();
        }
        catch (DbUpdateException) when (idempotencyKey is not null)
        {
            // The same key raced in from a second request: answer with the message that won.
            db.ChangeTracker.Clear();
            if (await Find(sameKey, cancellationToken) is { } winner)
                return new SubmissionResult.Accepted(winner);
            throw;
        }
        return new SubmissionResult.Accepted(message);
    }

    private async Task<SolidarityMessage?> Find(System.Linq.Expressions.Expression<Func<SolidarityMessage, bool>> predicate, CancellationToken cancellationToken)
    {
        await OpenOnceAsync(cancellationToken);
        return await db.Messages.AsNoTracking().FirstOrDefaultAsync(predicate, cancellationToken);
    }

    private bool _opened;

    /// <summary>
    /// One connection for all of a submission's lookups rather than one taken from the pool and
    /// given back for each, opened at the first: a submission that needs none (no idempotency key,
    /// recipients just looked up, limits off) neither opens one nor sets up its DbContext, which
    /// cost about a tenth of the intake's CPU a request (the intake benchmark's profile).
    /// </summary>
    private async Task OpenOnceAsync(CancellationToken cancellationToken)
    {
        if (_opened)
            return;
        await db.Database.OpenConnectionAsync(cancellationToken);
        _opened = true;
    }
}
