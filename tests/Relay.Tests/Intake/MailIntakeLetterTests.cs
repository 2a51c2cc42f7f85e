using MimeKit;
using Relay.Intake;
using Relay.Intake.MailIntake;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>Reading an intake email into a letter, and deciding on it: pure functions, real letters from the seed pages as bodies.</summary>
public class MailIntakeLetterTests
{
    private static readonly MailIntakeOptions Options = new() { Address = "relay@relay.test", TrustedAuthServId = "mx.relay.test" };
    private static readonly SeedLetter Letter = Seeds.Cerrejon;

    private static MimeMessage Mail(string text, string subject = "Solidarity", string from = "secretary@sintracarbon.example.org", params string[] to)
    {
        var mail = new MimeMessage { Subject = subject, MessageId = $"{Guid.NewGuid():N}@sintracarbon.example.org", Body = new TextPart("plain") { Text = text } };
        mail.From.Add(new MailboxAddress("Sintracarbón", from));
        foreach (var address in to.Length == 0 ? ["relay+imc@relay.test"] : to)
            mail.To.Add(MailboxAddress.Parse(address));
        return mail;
    }

    [Fact]
    public void A_plain_letter_is_kept_as_written_and_its_subject_becomes_the_title()
    {
        var letter = InboundLetter.Read(Mail(Letter.Body, subject: "Re: Fwd: " + Letter.Title), Options);
        Assert.Equal(Letter.Body.Trim(), letter.Text);
        Assert.Equal(Letter.Title, letter.Title);
        Assert.Equal(["imc"], letter.RecipientSlugs);
        Assert.Equal("secretary@sintracarbon.example.org", letter.From);
        Assert.Empty(letter.Attachments);
        Assert.False(letter.Automatic);
    }

    public static TheoryData<string, string> Quotes => new()
    {
        { "gmail", "\n\nOn Mon, 3 Nov 2025 at 10:12, IMC <imc@example.org> wrote:\n> Dear colleagues,\n> we ask for your support.\n" },
        { "wrapped attribution", "\n\nOn Mon, 3 Nov 2025 at 10:12, International Miners' Coordination\n<imc@example.org> wrote:\n\nDear colleagues,\n" },
        { "spanish", "\n\nEl lun, 3 nov 2025 a las 10:12, IMC (<imc@example.org>) escribió:\n> Queridos compañeros\n" },
        { "outlook", "\n\n________________________________\nFrom: IMC <imc@example.org>\nSent: Monday, 3 November 2025 10:12\nTo: Sintracarbón\nSubject: Call\n\nDear colleagues,\n" },
        { "original message", "\n\n-----Original Message-----\nFrom: imc@example.org\nDear colleagues,\n" },
        { "forwarded", "\n\n---------- Forwarded message ---------\nFrom: IMC <imc@example.org>\nDear colleagues,\n" },
        { "signature", "\n\n-- \nMaría Pérez\nSecretaria internacional, Sintracarbón\n+57 300 000 0000\n" },
    };

    [Theory]
    [MemberData(nameof(Quotes))]
    public void Quoted_mail_and_signatures_are_cut(string what, string tail)
    {
        var text = LetterText.Cut(Letter.Body + tail);
        Assert.True(Letter.Body.Trim() == text, $"{what}: kept\n{text[Math.Max(0, text.Length - 300)..]}");
    }

    [Fact]
    public void A_letter_that_itself_says_someone_wrote_is_kept()
    {
        var text = "On 3 November the strikers of Cerrejón wrote:\n\nWe will not go back without our demands.\n\nWe stand with them.";
        Assert.Equal(text, LetterText.Cut(text));
        Assert.Equal("Thanks.", LetterText.Cut("Thanks.\n\nOn 03/11/2025 10:12, International Miners' Coordination wrote:\nDear colleagues"));
    }

    [Fact]
    public void Interleaved_quote_lines_are_dropped_and_the_answers_kept()
    {
        var text = LetterText.Cut("> Will you sign?\nYes, we sign.\n> And publish?\nPlease publish it.");
        Assert.Equal("Yes, we sign.\nPlease publish it.", text);
    }

    [Fact]
    public void Html_is_turned_into_text_without_markup_scripts_or_the_quoted_mail()
    {
        var paragraphs = Letter.Body.Split("\n\n");
        var html = "<html><head><style>p{color:red}</style><title>x</title></head><body>"
            + string.Concat(paragraphs.Select(p => $"<p>{System.Net.WebUtility.HtmlEncode(p)}</p>"))
            + "<script>alert(1)</script><ul><li>one</li><li>two</li></ul>"
            + "<div class=\"gmail_quote\">On Mon, 3 Nov 2025 at 10:12, IMC &lt;imc@example.org&gt; wrote:<br><blockquote>Earlier words of the call</blockquote></div></body></html>";
        var mail = Mail("");
        mail.Body = new TextPart("html") { Text = html };

        var text = InboundLetter.Read(mail, Options).Text;

        Assert.Equal(string.Join("\n\n", paragraphs.Select(p => p.Trim())) + "\n\n- one\n- two", text);
        Assert.DoesNotContain("<", text);
        Assert.DoesNotContain("alert", text);
        Assert.DoesNotContain("Earlier words", text);
        Assert.DoesNotContain("wrote:", text);
    }

    [Fact]
    public void Format_flowed_lines_are_joined_as_the_sender_wrote_them()
    {
        var mail = Mail("");
        var part = new TextPart("plain") { Text = "We stand with \r\nyou in your strike.\r\n\r\nGlück auf!\r\n-- \r\nMaría\r\n" };
        part.ContentType.Parameters.Add("format", "flowed");
        mail.Body = part;
        Assert.Equal("We stand with you in your strike.\n\nGlück auf!", InboundLetter.Read(mail, Options).Text);
    }

    [Fact]
    public void The_plain_alternative_is_preferred_to_the_html_one()
    {
        var mail = Mail("");
        mail.Body = new MultipartAlternative { new TextPart("plain") { Text = "Plain words." }, new TextPart("html") { Text = "<p>HTML words.</p>" } };
        Assert.Equal("Plain words.", InboundLetter.Read(mail, Options).Text);
    }

    [Fact]
    public void Plus_addresses_on_relays_domain_name_the_recipients_in_to_cc_and_delivered_to()
    {
        var mail = Mail("x", to: ["Relay <RELAY+Sintracarbon@Relay.Test>", "relay+imc+zakhyst-pratsi@relay.test", "relay+imc@elsewhere.example.org", "other+x@relay.test"]);
        mail.Cc.Add(MailboxAddress.Parse("relay+icor@relay.test"));
        mail.Headers.Add("Delivered-To", "relay+delivered@relay.test");

        Assert.Equal(["sintracarbon", "imc", "zakhyst-pratsi", "icor", "delivered"], InboundLetter.SlugsOf(mail, Options.Address));
        Assert.Empty(InboundLetter.SlugsOf(Mail("x", to: ["relay@relay.test"]), Options.Address));
    }

    [Theory]
    [InlineData("Sintracarbón", "sintracarbon")]
    [InlineData("International Miners' Coordination", "international-miners-coordination")]
    [InlineData("  Gewerkschaft Bergbau, Chemie & Energie (IG BCE) ", "gewerkschaft-bergbau-chemie-energie-ig-bce")]
    [InlineData("Związek Zawodowy Górników w Polsce", "zwiazek-zawodowy-gornikow-w-polsce")]
    [InlineData("Straßenbahner Ærø", "strassenbahner-aero")]
    public void A_unions_slug_is_its_name_in_lower_case_ascii_with_dashes(string name, string slug) =>
        Assert.Equal(slug, UnionSlug.Of(name, Guid.NewGuid()));

    [Fact]
    public void A_name_without_latin_letters_gets_a_slug_from_its_id()
    {
        var id = Guid.NewGuid();
        Assert.Equal("union-" + id.ToString("N")[..8], UnionSlug.Of("Захист праці", id));
        Assert.Equal("relay+sintracarbon@relay.test", UnionSlug.Address("sintracarbon", "relay@relay.test"));
    }

    private static MimeMessage Authenticated(string results, string? second = null)
    {
        var mail = Mail("x");
        // The receiving server prepends its header: it comes first.
        mail.Headers.Insert(0, new Header("Authentication-Results", results));
        if (second is not null)
            mail.Headers.Insert(1, new Header("Authentication-Results", second));
        return mail;
    }

    [Theory]
    [InlineData("mx.relay.test; dkim=pass header.d=sintracarbon.example.org header.s=s1; spf=fail smtp.mailfrom=x@spam.example", true)]
    [InlineData("mx.relay.test; spf=pass smtp.mailfrom=bounces@mail.sintracarbon.example.org", true)]
    [InlineData("mx.relay.test; dkim=pass header.d=example.org", true)] // relaxed alignment: a parent domain
    [InlineData("mx.relay.test; dkim=pass header.d=mailer.example.net; spf=pass smtp.mailfrom=x@mailer.example.net", false)]
    [InlineData("mx.relay.test; dkim=fail header.d=sintracarbon.example.org; spf=softfail smtp.mailfrom=sintracarbon.example.org", false)]
    [InlineData("mx.relay.test; none", false)]
    [InlineData("mx.relay.test; spf=pass smtp.helo=sintracarbon.example.org", false)] // DMARC aligns the envelope sender, not HELO
    [InlineData("evil.example; dkim=pass header.d=sintracarbon.example.org", false)]
    public void Only_the_trusted_servers_verdict_counts_and_it_must_be_aligned_with_from(string header, bool pass) =>
        Assert.Equal(pass, SenderVerdict.Of(Authenticated(header), Options.TrustedAuthServId).Pass);

    [Fact]
    public void A_forged_header_below_the_trusted_one_changes_nothing_and_no_header_is_unverified()
    {
        var forged = Authenticated("mx.relay.test; dkim=fail header.d=sintracarbon.example.org", second: "mx.relay.test; dkim=pass header.d=sintracarbon.example.org");
        Assert.False(SenderVerdict.Of(forged, Options.TrustedAuthServId).Pass);
        var none = SenderVerdict.Of(Mail("x"), Options.TrustedAuthServId);
        Assert.False(none.Pass);
        Assert.Contains("no Authentication-Results from mx.relay.test", none.Detail);
        Assert.False(SenderVerdict.Of(Authenticated("mx.relay.test; dkim=pass header.d=sintracarbon.example.org"), null).Pass);
    }

    [Fact]
    public void Attachments_and_inline_images_are_found_but_not_the_text_alternatives()
    {
        var mail = Mail("");
        var builder = new BodyBuilder { TextBody = Letter.Body, HtmlBody = "<p>letter</p>" };
        builder.Attachments.Add("declaration.pdf", new byte[] { 1, 2, 3 }, new ContentType("application", "pdf"));
        builder.LinkedResources.Add("logo.png", new byte[] { 1, 2, 3 }, new ContentType("image", "png"));
        mail.Body = builder.ToMessageBody();

        var letter = InboundLetter.Read(mail, Options);

        Assert.Equal(["logo.png", "declaration.pdf"], letter.Attachments.Order().Reverse());
        Assert.Equal(Letter.Body.Trim(), letter.Text);
        Assert.Empty(InboundLetter.Read(Mail(Letter.Body), Options).Attachments);
    }

    [Fact]
    public void A_signed_emails_signature_is_not_an_attachment()
    {
        var mail = Mail("");
        var signed = new Multipart("signed") { new TextPart("plain") { Text = Letter.Body }, new MimePart("application", "pgp-signature") { Content = new MimeContent(new MemoryStream("-----BEGIN PGP SIGNATURE-----"u8.ToArray())) } };
        mail.Body = signed;
        var letter = InboundLetter.Read(mail, Options);
        Assert.Empty(letter.Attachments);
        Assert.Equal(Letter.Body.Trim(), letter.Text);
    }

    [Fact]
    public void Auto_replies_and_bounces_are_automatic()
    {
        var auto = Mail("I am away");
        auto.Headers.Add(HeaderId.AutoSubmitted, "auto-replied");
        Assert.True(InboundLetter.IsAutomatic(auto));
        Assert.True(InboundLetter.IsAutomatic(Mail("x", from: "MAILER-DAEMON@mx.example.org")));
        var person = Mail("x");
        person.Headers.Add(HeaderId.AutoSubmitted, "no");
        Assert.False(InboundLetter.IsAutomatic(person));
    }

    [Fact]
    public void The_key_is_the_message_ids_hash_or_the_mails_when_it_has_none()
    {
        var mail = Mail("x");
        Assert.Equal(InboundLetter.KeyOf(mail), InboundLetter.KeyOf(MimeMessage.Load(Stream(mail))));
        Assert.NotEqual(InboundLetter.KeyOf(mail), InboundLetter.KeyOf(Mail("x")));
        mail.Headers.Remove(HeaderId.MessageId);
        Assert.Equal(InboundLetter.KeyOf(mail), InboundLetter.KeyOf(MimeMessage.Load(Stream(mail))));
        Assert.Equal(64, InboundLetter.KeyOf(mail).Length);
    }

    private static MemoryStream Stream(MimeMessage mail)
    {
        var stream = new MemoryStream();
        mail.WriteTo(stream);
        stream.Position = 0;
        return stream;
    }

    [Theory]
    [InlineData("Re: RE: Fwd: FW: Solidarity", "Solidarity")]
    [InlineData("AW: WG: Solidarität", "Solidarität")]
    [InlineData("Rebels of the mines", "Rebels of the mines")]
    [InlineData("Re[2]: Solidarity", "Solidarity")]
    public void Reply_and_forward_prefixes_leave_the_title(string subject, string title) =>
        Assert.Equal(title, InboundLetter.TitleOf(subject, "text"));

    [Fact]
    public void Without_a_subject_the_first_line_is_the_title_cut_at_a_word()
    {
        var title = InboundLetter.TitleOf("Re: ", Letter.Body);
        var firstLine = Letter.Body.Trim().Split('\n')[0];
        Assert.True(title.Length <= InboundLetter.MaxTitleCharacters);
        Assert.StartsWith(title.TrimEnd('…'), firstLine);
        Assert.Equal("Short first line", InboundLetter.TitleOf(null, "\n Short first line \nmore"));
    }

    // The decision: a union's registered, verified address naming recipients goes on; the rest waits or is refused.

    private static readonly Guid Sender = Guid.NewGuid(), Imc = Guid.NewGuid(), Zakhyst = Guid.NewGuid();
    private static readonly IReadOnlyDictionary<string, Guid> Directory = MailIntakeDecision.Directory(
        [(Sender, "Sintracarbón"), (Imc, "IMC"), (Zakhyst, "Zakhyst Pratsi"), (Guid.NewGuid(), "Twin"), (Guid.NewGuid(), "twin")]);

    private static InboundLetter LetterTo(bool pass, params string[] slugs) =>
        new("key", "secretary@sintracarbon.example.org", null, "Solidarity", "Solidarity", Letter.Body, slugs,
            new SenderVerdict(pass, pass ? "dkim=pass" : "dkim=fail"), [], false);

    [Fact]
    public void A_verified_union_naming_known_unions_submits()
    {
        var decision = Assert.IsType<MailDecision.Submit>(MailIntakeDecision.Decide(LetterTo(true, "imc", "zakhyst-pratsi", "imc"), Sender, Directory));
        Assert.Equal(Sender, decision.UnionId);
        Assert.Equal([Imc, Zakhyst], decision.Recipients);
    }

    [Fact]
    public void A_verified_union_naming_nobody_or_an_unknown_or_ambiguous_union_goes_to_triage()
    {
        Assert.IsType<MailDecision.Triage>(MailIntakeDecision.Decide(LetterTo(true), Sender, Directory));
        Assert.Contains("nobody-we-know", Assert.IsType<MailDecision.Triage>(MailIntakeDecision.Decide(LetterTo(true, "imc", "nobody-we-know"), Sender, Directory)).Why);
        Assert.IsType<MailDecision.Triage>(MailIntakeDecision.Decide(LetterTo(true, "twin"), Sender, Directory));
    }

    [Fact]
    public void An_unregistered_or_unverified_sender_must_confirm_and_one_naming_nobody_is_refused()
    {
        var stranger = Assert.IsType<MailDecision.Confirm>(MailIntakeDecision.Decide(LetterTo(true, "imc"), null, Directory));
        Assert.Null(stranger.UnionId);
        Assert.Equal([Imc], stranger.Recipients);
        var unverified = Assert.IsType<MailDecision.Confirm>(MailIntakeDecision.Decide(LetterTo(false, "imc"), Sender, Directory));
        Assert.Equal(Sender, unverified.UnionId);
        Assert.Equal(RefusalReason.NoRecipient, Assert.IsType<MailDecision.Refuse>(MailIntakeDecision.Decide(LetterTo(false), null, Directory)).Reason);
    }

    [Fact]
    public void Attachments_and_empty_letters_are_refused_and_automatic_mail_ignored_whoever_sends_them()
    {
        var withFile = LetterTo(true, "imc") with { Attachments = ["declaration.pdf"] };
        var refused = Assert.IsType<MailDecision.Refuse>(MailIntakeDecision.Decide(withFile, Sender, Directory));
        Assert.Equal((RefusalReason.Attachments, "declaration.pdf"), (refused.Reason, refused.Detail));
        Assert.Equal(RefusalReason.Empty, Assert.IsType<MailDecision.Refuse>(MailIntakeDecision.Decide(LetterTo(true, "imc") with { Text = " " }, Sender, Directory)).Reason);
        Assert.IsType<MailDecision.Ignore>(MailIntakeDecision.Decide(withFile with { Automatic = true }, Sender, Directory));
    }
}
