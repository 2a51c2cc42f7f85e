using MimeKit;

namespace Relay.Delivery;

/// <summary>Relay's own emails (summaries, notices, confirmation links, answers): from Relay, replies going to the coordinators, in one language.</summary>
public static class Notices
{
    public static void AddressFromRelay(this MimeMessage email, MailboxAddress to, string language, MailOptions options, Guid? messageId = null)
    {
        email.Headers.Add("Content-Language", language);
        email.From.Add(new MailboxAddress("Relay", options.FromAddress));
        email.ReplyTo.Add(MailboxAddress.Parse(options.CoordinatorsAddress));
        email.To.Add(to);
        if (messageId is { } id)
            email.Headers.Add("X-Relay-Message", id.ToString());
    }
}
