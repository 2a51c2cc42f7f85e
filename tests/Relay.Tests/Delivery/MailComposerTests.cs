using MimeKit;
using Relay.Delivery;
using Relay.Tests.Support;

namespace Relay.Tests.Delivery;

public class MailComposerTests
{
    private static readonly MailOptions Options = new() { FromAddress = "relay@relay.example", MessageIdDomain = "relay.example" };
    private static readonly Guid MessageId = Guid.Parse("7d1f7c3e-5a61-4a59-9d8a-2f6f3c9a0b11");
    private static readonly Guid RecipientId = Guid.Parse("2b0c1c53-0d7e-4c56-8c1a-9f2f5b7e6d44");

    private static EmailDraft Draft(params EmailText[] translations) => new(
        MessageId, RecipientId, "International Miners' Coordination", "imc@miners.example", "Andreas",
        "Sintracarbón", "sintracarbon@unions.example", translations,
        new EmailText("en", Seeds.Cerrejon.Title, Seeds.Cerrejon.Body), PreferencesUrl);

    private const string PreferencesUrl = "https://relay.example/preferences/AbC-123_xyz";

    private static readonly EmailText Spanish = new("es", "Carta de solidaridad", "Queridos colegas.\n\nToda nuestra solidaridad.", "machine", "apertium");

    [Fact]
    public void Subject_is_in_the_recipients_language_and_the_original_follows_the_translation()
    {
        var email = MailComposer.Compose(Draft(Spanish), Options);

        Assert.Equal("Carta de solidaridad", email.Subject);
        var text = email.TextBody!;
        var translation = text.IndexOf("Toda nuestra solidaridad.", StringComparison.Ordinal);
        var label = text.IndexOf("Traducción automática de Apertium", StringComparison.Ordinal);
        var original = text.IndexOf("Original (English)", StringComparison.Ordinal);
        var originalBody = text.IndexOf(Seeds.Cerrejon.Body.Split("\n\n")[0], StringComparison.Ordinal);
        Assert.True(translation >= 0 && translation < label && label < original && original < originalBody, text);
        Assert.Contains("Original (English)", email.HtmlBody);
    }

    [Fact]
    public void From_is_relay_in_the_senders_name_and_replies_go_to_the_sending_union()
    {
        var email = MailComposer.Compose(Draft(Spanish), Options);

        var from = Assert.IsType<MailboxAddress>(Assert.Single(email.From));
        Assert.Equal(("International Miners' Coordination", "relay@relay.example"), (from.Name, from.Address));
        var replyTo = Assert.IsType<MailboxAddress>(Assert.Single(email.ReplyTo));
        Assert.Equal("imc@miners.example", replyTo.Address);
        Assert.Equal("sintracarbon@unions.example", Assert.IsType<MailboxAddress>(Assert.Single(email.To)).Address);
    }

    [Fact]
    public void Message_id_is_stable_per_message_and_recipient()
    {
        var first = MailComposer.Compose(Draft(Spanish), Options);
        var again = MailComposer.Compose(Draft(Spanish), Options);
        var other = MailComposer.Compose(Draft(Spanish) with { RecipientUnionId = Guid.NewGuid() }, Options);

        Assert.Equal(first.MessageId, again.MessageId);
        Assert.NotEqual(first.MessageId, other.MessageId);
        Assert.EndsWith("@relay.example", first.MessageId);
    }

    [Fact]
    public void A_human_translation_is_labelled_as_such()
    {
        var email = MailComposer.Compose(Draft(Spanish with { Origin = "human", Provider = "coordinator" }), Options);
        Assert.Contains("Traducido por una persona voluntaria", email.TextBody);
        Assert.DoesNotContain("automática", email.TextBody);
    }

    [Fact]
    public void Right_to_left_languages_render_right_to_left()
    {
        var email = MailComposer.Compose(Draft(new EmailText("ar", "تضامن", "نحن معكم.", "human", "coordinator")), Options);
        Assert.Contains("<div lang=\"ar\" dir=\"rtl\">", email.HtmlBody);
        Assert.Contains("<div lang=\"en\" dir=\"ltr\">", email.HtmlBody);
    }

    [Fact]
    public void Markup_in_a_message_is_escaped_in_the_html_part()
    {
        var email = MailComposer.Compose(Draft(Spanish with { Body = "<script>alert(1)</script>" }), Options);
        Assert.DoesNotContain("<script>", email.HtmlBody);
        Assert.Contains("&lt;script&gt;", email.HtmlBody);
    }

    [Fact]
    public void Without_a_translation_the_original_is_the_message()
    {
        var email = MailComposer.Compose(Draft(), Options);
        Assert.Equal(Seeds.Cerrejon.Title, email.Subject);
        Assert.DoesNotContain("Original (", email.TextBody);
    }

    [Fact]
    public void A_line_break_in_a_title_never_becomes_an_extra_header()
    {
        var email = MailComposer.Compose(Draft(Spanish with { Title = "Hola\r\nBcc: victim@example.org" }), Options);
        using var stream = new MemoryStream();
        email.WriteTo(stream);
        stream.Position = 0;
        var parsed = MimeMessage.Load(stream);

        Assert.Empty(parsed.Bcc);
        Assert.DoesNotContain(parsed.Headers, h => h.Field.Equals("Bcc", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("\n", parsed.Subject ?? "");
    }

    [Fact]
    public void Every_email_offers_one_click_opt_out_and_a_visible_link_in_the_recipients_language()
    {
        var email = MailComposer.Compose(Draft(Spanish), Options);

        Assert.Equal($"<{PreferencesUrl}>", email.Headers[HeaderId.ListUnsubscribe]);
        Assert.Equal("List-Unsubscribe=One-Click", email.Headers["List-Unsubscribe-Post"]);
        Assert.Contains($"Dejar de recibir estos mensajes o cambiar sus idiomas: {PreferencesUrl}", email.TextBody);
        Assert.Contains($"<a href=\"{PreferencesUrl}\">Dejar de recibir estos mensajes o cambiar sus idiomas</a>", email.HtmlBody);
    }
}
