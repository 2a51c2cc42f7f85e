using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Relay.Contracts;
using Relay.Storage;

namespace Relay.Delivery;

/// <summary>
/// The answer to an email that Relay's intake mailbox refused: what was refused, and how to write
/// instead, in plain and kind words. In English: the letter's language is never detected for a
/// mail that is not kept.
/// </summary>
public static class InboundMailReply
{
    private const string Thanks = "Thank you for writing to Relay.";

    public static MimeMessage Compose(InboundMail mail, string reason, MailOptions options)
    {
        // The detail is "reason: what was found"; the reason is said in words below.
        var found = mail.Detail is { } d && d.IndexOf(": ", StringComparison.Ordinal) is var i and >= 0 ? d[(i + 2)..] : mail.Detail;
        var text = reason switch
        {
            "attachments" => $"""
                {Thanks} We did not pass your email on, because it came with attachments ({found}). Relay carries letters as text only, so that every union can read them in its own language and nothing else travels with them.

                Please send your letter again with its text in the body of the email, and without attachments, images or files. Nothing of your first email was kept.
                """,
            "empty" => $"""
                {Thanks} We did not find a letter in your email: only quoted mail, a signature, or nothing at all.

                Please write your letter in the body of the email and send it again. Nothing of your first email was kept.
                """,
            "no-recipient" => $"""
                {Thanks} We could not tell which unions your letter is for ({found}), so we did not pass it on.

                Each union of Relay's directory has its own address: the address you wrote to, with a plus sign and the union's name after its first part, in lower case, with dashes between the words and without accents. For example, if you wrote to relay@example.org, a letter for Sintracarbón goes to relay+sintracarbon@example.org. Please send your letter again to the address of each union it is for. Nothing of your first email was kept.
                """,
            "limited" => $"""
                {Thanks} Relay could not take your letter now: {found}

                Please send it again later. Nothing of this email was kept.
                """,
            _ => $"""
                {Thanks} Your letter could not be accepted as it is: {found}

                Please correct it and send it again. Nothing of your first email was kept.
                """,
        };
        var email = new MimeMessage
        {
            MessageId = $"inbound.{mail.Key[..32]}@{options.MessageIdDomain}",
            Subject = string.IsNullOrWhiteSpace(mail.Subject) ? "Your email to Relay"
                : mail.Subject.StartsWith("Re:", StringComparison.OrdinalIgnoreCase) ? mail.Subject : $"Re: {mail.Subject}",
            Date = DateTimeOffset.UtcNow,
            Body = new TextPart("plain") { Text = text.ReplaceLineEndings("\n") + "\n\n-- \nRelay. Reply to this email to reach the coordinators.\n" },
        };
        email.From.Add(new MailboxAddress("Relay", options.FromAddress));
        email.To.Add(MailboxAddress.Parse(mail.From));
        email.ReplyTo.Add(MailboxAddress.Parse(options.CoordinatorsAddress));
        email.Headers.Add("Content-Language", "en");
        // RFC 3834: an automatic answer, which well-behaved auto-responders do not answer in turn.
        email.Headers.Add(HeaderId.AutoSubmitted, "auto-replied");
        return email;
    }
}

/// <summary>Answers a refused intake email once: the claim is the InboundMail's RepliedAt.</summary>
public sealed class InboundMailReplyConsumer(RelayDb db, OnceOnlyMail mail, IOptions<MailOptions> options, ILogger<InboundMailReplyConsumer> logger)
    : IConsumer<InboundMailRefused>
{
    public async Task Consume(ConsumeContext<InboundMailRefused> context)
    {
        var key = context.Message.InboundMailKey;
        var inbound = await db.InboundMails.AsNoTracking().FirstOrDefaultAsync(m => m.Key == key, context.CancellationToken)
            ?? throw new InvalidOperationException($"Inbound mail {key} is not in the database.");
        if (inbound.RepliedAt is not null)
            return;

        var now = DateTime.UtcNow;
        var sent = await mail.SendAsync(
            ct => db.InboundMails.Where(m => m.Key == key && m.RepliedAt == null).ExecuteUpdateAsync(s => s.SetProperty(m => m.RepliedAt, now), ct),
            () => db.InboundMails.Where(m => m.Key == key).ExecuteUpdateAsync(s => s.SetProperty(m => m.RepliedAt, (DateTime?)null)),
            () => InboundMailReply.Compose(inbound, context.Message.Reason, options.Value), context.CancellationToken);
        if (sent)
            logger.LogInformation("Refused intake email from {From} answered ({Reason})", inbound.From, context.Message.Reason);
    }
}
