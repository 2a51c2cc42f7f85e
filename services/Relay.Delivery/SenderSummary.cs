using System.Text;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Relay.Contracts;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Delivery;

/// <summary>
/// The one email a sending union gets when every delivery of its message is final: who received
/// it and in which language, who did not and why.
/// </summary>
public static class SenderSummary
{
    public static MimeMessage Compose(SolidarityMessage message, MailOptions options)
    {
        var deliveries = message.Deliveries.OrderBy(d => NameOf(message, d)).ToList();
        var sent = deliveries.Where(d => d.Status == DeliveryStatus.Sent).ToList();
        var missed = deliveries.Where(d => d.Status != DeliveryStatus.Sent).ToList();

        var words = SummaryText.For(message.SenderLanguage);
        var text = new StringBuilder();
        text.Append(words.Reached(message.Title, sent.Count, deliveries.Count)).Append("\n\n");
        if (sent.Count > 0)
        {
            text.Append(words.Received).Append('\n');
            foreach (var d in sent)
                text.Append($"- {NameOf(message, d)}, {words.In} {words.LanguageName(d.Language)}, {d.At:yyyy-MM-dd HH:mm} UTC\n");
            text.Append('\n');
        }
        if (missed.Count > 0)
        {
            text.Append(words.NotReceived).Append('\n');
            foreach (var d in missed)
                text.Append($"- {NameOf(message, d)}: {Why(d, words)}\n");
            text.Append('\n');
        }
        text.Append("-- \n").Append(words.Footer).Append('\n');

        var email = new MimeMessage
        {
            MessageId = $"summary.{message.Id:N}@{options.MessageIdDomain}",
            Subject = (sent.Count == deliveries.Count ? words.Delivered
                : sent.Count == 0 ? words.NotDelivered
                : words.DeliveredTo(sent.Count, deliveries.Count)) + ": " + message.Title,
            Date = DateTimeOffset.UtcNow,
            Body = new TextPart("plain") { Text = text.ToString() },
        };
        AddressToSender(email, message, options, words.Code);
        return email;
    }

    /// <summary>From Relay to the sending union, in a language, replies going to the coordinators.</summary>
    public static void AddressToSender(MimeMessage email, SolidarityMessage message, MailOptions options, string language)
    {
        email.AddressFromRelay(new MailboxAddress(message.SenderName,
            message.SenderEmail ?? throw new InvalidOperationException($"Message {message.Id} has no sender address (load its Sender or Supporter).")),
            language, options, message.Id);
    }

    private static string NameOf(SolidarityMessage message, Storage.Delivery d) =>
        message.Recipients.FirstOrDefault(r => r.UnionId == d.RecipientUnionId)?.Union?.Name ?? d.Address;

    private static string Why(Storage.Delivery d, SummaryText words) => d.Status switch
    {
        DeliveryStatus.Suppressed => words.NoLongerReceives(d.Detail ?? ""),
        DeliveryStatus.Failed => words.Refused(d.Detail ?? ""),
        _ => d.Detail ?? d.Status,
    };
}

/// <summary>Emails the sender its summary once, when every delivery of the message is final.</summary>
public sealed class SenderSummaryConsumer(RelayDb db, OnceOnlyMail mail, IOptions<MailOptions> options, ILogger<SenderSummaryConsumer> logger)
    : IConsumer<MessageDelivered>
{
    public async Task Consume(ConsumeContext<MessageDelivered> context)
    {
        var id = context.Message.MessageId;
        var message = await db.Messages.AsNoTracking()
            .Include(m => m.Sender).Include(m => m.Supporter)
            .Include(m => m.Recipients).ThenInclude(r => r.Union)
            .Include(m => m.Deliveries)
            .AsSplitQuery()
            .FirstOrDefaultAsync(m => m.Id == id, context.CancellationToken);
        if (message is null || message.SummarySentAt is not null || message.Deliveries.Any(d => !DeliveryStatus.IsFinal(d.Status)))
            return;

        if (await mail.SendToSenderAsync(db, id, () => SenderSummary.Compose(message, options.Value), context.CancellationToken))
            logger.LogInformation("Summary of message {MessageId} sent to {Sender}", id, message.SenderName);
    }
}
