using MimeKit;
using Relay.Delivery;
using Relay.Storage;

namespace Relay.Tests.Delivery;

/// <summary>The answer to a refused intake email, as composed (the dovecot tests send it through maildev).</summary>
public class InboundMailReplyTests
{
    private static readonly MailOptions Options = new() { FromAddress = "relay@relay.test", CoordinatorsAddress = "coordinators@relay.test", MessageIdDomain = "relay.test" };

    private static InboundMail Refused(string detail, string? subject = "Solidarity") => new()
    {
        Key = new string('a', 64), From = "maria@people.example.net", Subject = subject, Outcome = "refused", Detail = detail, ReceivedAt = DateTime.UtcNow,
    };

    [Fact]
    public void A_letter_naming_nobody_is_told_how_the_unions_addresses_are_made()
    {
        var email = InboundMailReply.Compose(Refused("no-recipient: no union is called sintracarbn"), "no-recipient", Options);

        Assert.Equal("maria@people.example.net", email.To.Mailboxes.Single().Address);
        Assert.Equal("coordinators@relay.test", email.ReplyTo.Mailboxes.Single().Address);
        Assert.Equal(("Re: Solidarity", "auto-replied"), (email.Subject, email.Headers[HeaderId.AutoSubmitted]));
        Assert.Equal("<inbound.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@relay.test>", email.Headers[HeaderId.MessageId]);
        Assert.Contains("(no union is called sintracarbn)", email.TextBody);
        Assert.Contains("relay+sintracarbon@example.org", email.TextBody);
        Assert.DoesNotContain("no-recipient:", email.TextBody);
    }

    [Fact]
    public void Without_a_subject_the_answer_still_has_one_and_a_reply_is_not_re_re()
    {
        Assert.Equal("Your email to Relay", InboundMailReply.Compose(Refused("empty: no text", subject: null), "empty", Options).Subject);
        Assert.Equal("RE: Solidarity", InboundMailReply.Compose(Refused("empty: no text", subject: "RE: Solidarity"), "empty", Options).Subject);
    }

    [Fact]
    public void A_union_writing_from_its_address_is_answered_in_its_language_and_anyone_else_in_english()
    {
        var spanish = InboundMailReply.Compose(Refused("attachments: carta.pdf", subject: null), "attachments", Options, "es-CO");
        var unknown = InboundMailReply.Compose(Refused("attachments: carta.pdf"), "attachments", Options, "uk");

        Assert.Equal(("es", "Su correo a Relay"), (spanish.Headers[HeaderId.ContentLanguage], spanish.Subject));
        Assert.StartsWith("Gracias por escribir a Relay. No hemos reenviado su correo porque llevaba archivos adjuntos (carta.pdf).", spanish.TextBody);
        Assert.EndsWith("-- \nRelay. Responda a este correo para escribir a la coordinación.\n", spanish.TextBody);
        Assert.Equal("en", unknown.Headers[HeaderId.ContentLanguage]);
        Assert.StartsWith("Thank you for writing to Relay. We did not pass your email on", unknown.TextBody);
    }
}
