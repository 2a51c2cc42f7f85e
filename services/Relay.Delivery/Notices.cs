using MimeKit;

namespace Relay.Delivery;

/// <summary>Relay's own emails (summaries, notices, confirmation links, answers): from Relay, replies going to the coordinators, in one language.</summary>
public static class Notices
{
    public static void AddressFromRelay(this MimeMessage email, MailboxAddress to, string language, MailOptions options, Guid? messageId = null)
    {
        if (!SurvivesEncoding(to))
            throw new ParseException($"Refusing to write to <{to.Address}>: encoded for the header, it does not read back as that one address.", 0, 0);
        email.Headers.Add("Content-Language", language);
        email.From.Add(new MailboxAddress("Relay", options.FromAddress));
        email.ReplyTo.Add(MailboxAddress.Parse(options.CoordinatorsAddress));
        email.To.Add(to);
        if (messageId is { } id)
            email.Headers.Add("X-Relay-Message", id.ToString());
    }

    /// <summary>
    /// An address that reads back, once written into a header, as exactly one mailbox. A domain of odd
    /// Unicode (an address taken from an inbound email's From) can come out of IDNA encoding as text
    /// that a mail server reads as two addresses: Relay writes to no address it cannot write safely.
    /// </summary>
    public static bool SurvivesEncoding(MailboxAddress address) =>
        InternetAddressList.TryParse(address.ToString(FormatOptions.Default, encode: true), out var list)
        && list.Count == 1 && list[0] is MailboxAddress only
        && string.Equals(MailboxAddress.EncodeAddrspec(only.Address), MailboxAddress.EncodeAddrspec(address.Address), StringComparison.OrdinalIgnoreCase);
}
