using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Storage;

namespace Relay.Moderation;

/// <summary>Screens a translated message once: approves it, or holds it for a coordinator with reasons.</summary>
public sealed class ScreeningStage(RelayDb db, IOptions<ModerationOptions> options, ILogger<ScreeningStage> logger)
{
    public async Task RunAsync(Guid messageId, CancellationToken cancellationToken)
    {
        var message = await db.Messages.Include(m => m.Translations)
            .FirstOrDefaultAsync(m => m.Id == messageId, cancellationToken)
            ?? throw new InvalidOperationException($"Message {messageId} is not in the database.");
        if (message.Status != MessageStatus.Translated)
        {
            logger.LogInformation("Message {MessageId} is {Status}; already screened", messageId, message.Status);
            return;
        }

        var result = ModerationRules.Screen(
            new ScreenedText(message.Language ?? "und", message.Title, message.Body),
            message.Translations.Select(t => new ScreenedText(t.Language, t.Title, t.Body)).ToList(),
            options.Value, message.LanguageFlags);

        message.ModerationReasons = [.. result.Reasons];
        message.DecidedBy = "rules";
        message.UpdatedAt = DateTime.UtcNow;
        switch (result.Decision)
        {
            case ScreeningDecision.Approve:
                (message.Status, message.ModerationDecision) = (MessageStatus.Approved, "approve");
                db.Enqueue(new MessageApproved(message.Id, "rules"));
                break;
            case ScreeningDecision.Hold:
                (message.Status, message.ModerationDecision) = (MessageStatus.Held, "hold");
                db.Enqueue(new MessageHeld(message.Id, result.Reasons));
                break;
            default:
                (message.Status, message.ModerationDecision) = (MessageStatus.Rejected, "reject");
                db.Enqueue(new MessageRejected(message.Id, string.Join("; ", result.Reasons), "rules"));
                break;
        }
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Message {MessageId}: {Decision} {Reasons}", messageId, message.ModerationDecision, string.Join("; ", result.Reasons));
    }
}
