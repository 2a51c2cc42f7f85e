using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Relay.Contracts;
using Relay.Storage;

namespace Relay.Delivery;

/// <summary>Tells the coordinators that a union no longer receives messages, and why.</summary>
public static class CoordinatorNotice
{
    public static MimeMessage Compose(Union union, bool byBounces, MailOptions options)
    {
        var advice = byBounces
            ? "Its mail server keeps refusing Relay's emails. Check the address with the union; once it is fixed, reinstate the union (POST /api/unions/{id}/reinstate)."
            : "The union chose this through the link in its emails. It can change its mind on the same page.";
        var email = new MimeMessage
        {
            MessageId = $"suppressed.{union.Id:N}.{union.SuppressedAt!.Value.Ticks}@{options.MessageIdDomain}",
            Subject = $"{union.Name} no longer receives messages",
            Date = DateTimeOffset.UtcNow,
            Body = new TextPart("plain")
            {
                Text = $"{union.Name} ({union.Country}, {union.Email}) no longer receives messages from Relay since {union.SuppressedAt:yyyy-MM-dd HH:mm} UTC.\n\n"
                    + $"Why: {union.SuppressedReason}\n\n{advice.Replace("{id}", union.Id.ToString())}\n\n-- \nRelay\n",
            },
        };
        email.From.Add(new MailboxAddress("Relay", options.FromAddress));
        email.To.Add(MailboxAddress.Parse(options.CoordinatorsAddress));
        return email;
    }
}

/// <summary>Sends the coordinators' notice once per suppression.</summary>
public sealed class TellCoordinatorsConsumer(RelayDb db, OnceOnlyMail mail, IOptions<MailOptions> options, ILogger<TellCoordinatorsConsumer> logger)
    : IConsumer<UnionSuppressed>
{
    public async Task Consume(ConsumeContext<UnionSuppressed> context)
    {
        var id = context.Message.UnionId;
        var union = await db.Unions.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, context.CancellationToken);
        if (union is not { SuppressedAt: not null, SuppressionNoticeSentAt: null })
            return;

        var now = DateTime.UtcNow;
        if (await mail.SendAsync(
                ct => db.Unions.Where(u => u.Id == id && u.SuppressionNoticeSentAt == null).ExecuteUpdateAsync(s => s.SetProperty(u => u.SuppressionNoticeSentAt, now), ct),
                () => db.Unions.Where(u => u.Id == id).ExecuteUpdateAsync(s => s.SetProperty(u => u.SuppressionNoticeSentAt, (DateTime?)null)),
                () => CoordinatorNotice.Compose(union, context.Message.ByBounces, options.Value), context.CancellationToken))
            logger.LogInformation("Coordinators told that {Union} no longer receives messages: {Reason}", union.Name, union.SuppressedReason);
    }
}
