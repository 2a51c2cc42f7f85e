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
}

/// <summary>
/// Submitting a message, shared by POST /api/messages and the unions' form so the two cannot drift:
/// validation, unknown recipients, idempotency, and the message stored with its MessageSubmitted
/// event in one transaction (an accepted message goes through even if the broker is down).
/// </summary>
public sealed class MessageSubmission(RelayDb db, IOptions<IntakeOptions> options)
{
    public const int MaxIdempotencyKeyLength = 200;

    public async Task<SubmissionResult> SubmitAsync(Guid sender, SubmitMessageRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (idempotencyKey is not null && await FindByIdempotencyKey(sender, idempotencyKey, cancellationToken) is { } earlier)
            return new SubmissionResult.Accepted(earlier);

        var validation = request.Validate(options.Value);
        if (idempotencyKey is { Length: > MaxIdempotencyKeyLength })
            validation.Add("Idempotency-Key", $"The Idempotency-Key header is longer than {MaxIdempotencyKeyLength} characters.");
        if (!validation.IsValid)
            return new SubmissionResult.Invalid(validation);

        var recipients = request.RecipientIds;
        var known = await db.Unions.Where(u => recipients.Contains(u.Id)).Select(u => u.Id).ToListAsync(cancellationToken);
        foreach (var unknown in recipients.Except(known))
            validation.Add("recipients", $"There is no union {unknown} in the directory.");
        if (!validation.IsValid)
            return new SubmissionResult.Invalid(validation);

        var now = DateTime.UtcNow;
        var message = new SolidarityMessage
        {
            Id = Guid.NewGuid(),
            SenderUnionId = sender,
            Title = request.Title!.Trim(),
            Body = request.Body!.Replace("\r\n", "\n").Trim(),
            Language = request.Language is null ? null : LanguageTags.Normalize(request.Language),
            Author = request.Author?.Trim(),
            Publish = request.Publish ?? false,
            IdempotencyKey = idempotencyKey,
            ReceivedAt = now,
            UpdatedAt = now,
            Recipients = recipients.Select(r => new MessageRecipient { UnionId = r }).ToList(),
        };
        db.Messages.Add(message);
        db.Enqueue(new MessageSubmitted(message.Id, sender, recipients, message.Language, now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (idempotencyKey is not null)
        {
            // The same key raced in from a second request: answer with the message that won.
            db.ChangeTracker.Clear();
            if (await FindByIdempotencyKey(sender, idempotencyKey, cancellationToken) is { } winner)
                return new SubmissionResult.Accepted(winner);
            throw;
        }
        return new SubmissionResult.Accepted(message);
    }

    private Task<SolidarityMessage?> FindByIdempotencyKey(Guid sender, string key, CancellationToken cancellationToken) =>
        db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.SenderUnionId == sender && m.IdempotencyKey == key, cancellationToken);
}
