using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Moderation.Screening;
using Relay.Storage;

namespace Relay.Moderation;

/// <summary>Screens a translated message once: approves it, holds it for a coordinator or rejects it, with reasons.</summary>
public sealed class ScreeningStage(RelayDb db, BlocklistFiles blocklists, ScreeningServices services, IOptions<ModerationOptions> options,
    ILogger<ScreeningStage> logger)
{
    public async Task RunAsync(Guid messageId, CancellationToken cancellationToken)
    {
        var message = await db.Messages.Include(m => m.Translations).Include(m => m.Sender).Include(m => m.Supporter)
            .FirstOrDefaultAsync(m => m.Id == messageId, cancellationToken)
            ?? throw new InvalidOperationException($"Message {messageId} is not in the database.");
        if (message.Status != MessageStatus.Translated)
        {
            logger.LogInformation("Message {MessageId} is {Status}; already screened", messageId, message.Status);
            return;
        }

        var original = new ScreenedText(message.Language ?? "und", message.Title, message.Body);
        var translations = message.Translations.Select(t => new ScreenedText(t.Language, t.Title, t.Body)).ToList();
        var result = ModerationRules.Screen(original, translations, await FactsAsync(message, cancellationToken), options.Value,
            blocklists.Current, await services.ScreenAsync(message, original, translations, cancellationToken));

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
        // The rules' decisions are in the audit log beside the coordinators'.
        db.Audit("rules", message.ModerationDecision, message.Id, reason: result.Reasons.Count == 0 ? null : string.Join("; ", result.Reasons));
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Message {MessageId}: {Decision} {Reasons}", messageId, message.ModerationDecision, string.Join("; ", result.Reasons));
    }

    /// <summary>
    /// What the rules that are on need from the database, counted there rather than read out: how many
    /// messages the sender sent in the hour and the day before this one and how many of them went to
    /// each of this message's recipients (the rate rules), whether the sender has had enough messages
    /// approved (first messages), and the bodies of its messages within the duplicate window. The message never
    /// counts itself. Reading every earlier message with its body and recipients made each screening
    /// cost as much as the sender's day so far (measured in the pipeline benchmark, one sender: the
    /// moderation worker allocated about 100 MB a second and spent nearly half its time in the GC).
    /// </summary>
    private async Task<MessageFacts> FactsAsync(SolidarityMessage message, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var at = message.ReceivedAt;
        var (hourAgo, dayAgo, windowStart) = (at.AddHours(-1), at.AddDays(-1), at - o.DuplicateWindow);
        var earlier = db.Messages.AsNoTracking()
            .Where(m => m.SenderUnionId == message.SenderUnionId && m.SupporterId == message.SupporterId && m.Id != message.Id && m.ReceivedAt <= at);
        var lastDay = earlier.Where(m => m.ReceivedAt > dayAgo);
        // A rule that is off needs no facts (the load benchmarks turn the rate rules off: one sender sends thousands a day).
        var sentLastDay = o.ActionFor(RuleCodes.Rate) == RuleAction.Off ? 0 : await lastDay.CountAsync(cancellationToken);
        var sentLastHour = sentLastDay == 0 ? 0 : await lastDay.CountAsync(m => m.ReceivedAt > hourAgo, cancellationToken);
        var recipients = await db.Recipients.AsNoTracking().Where(r => r.MessageId == message.Id)
            .Select(r => new
            {
                r.UnionId, r.Union!.Name, r.Union.ReviewIncoming,
                EarlierToday = sentLastDay > 0 ? lastDay.Count(m => m.Recipients.Any(e => e.UnionId == r.UnionId)) : 0,
            })
            .ToListAsync(cancellationToken);
        var approved = o.HoldFirstMessages == 0 || o.ActionFor(RuleCodes.FirstMessage) == RuleAction.Off ? 0 : await db.Messages
            .Where(m => m.SenderUnionId == message.SenderUnionId && m.SupporterId == message.SupporterId && m.Id != message.Id && m.ModerationDecision == "approve")
            .Take(o.HoldFirstMessages).CountAsync(cancellationToken);
        var recentBodies = o.ActionFor(RuleCodes.Duplicate) == RuleAction.Off ? []
            : await earlier.Where(m => m.ReceivedAt > windowStart).Select(m => m.Body).ToListAsync(cancellationToken);

        return new MessageFacts
        {
            SentLastHour = sentLastHour,
            SentLastDay = sentLastDay,
            RecentBodies = recentBodies,
            ApprovedEarlier = approved,
            Recipients = recipients.Select(r => new RecipientFacts(r.Name, r.EarlierToday, r.ReviewIncoming)).ToList(),
            LanguageFlags = message.LanguageFlags,
            FromSupporter = message.FromSupporter,
        };
    }
}
