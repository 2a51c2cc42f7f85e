using System.Text;
using CsCheck;
using MimeKit;
using Relay.Contracts;
using Relay.Delivery;
using Relay.Storage;

namespace Relay.Tests.Delivery;

/// <summary>
/// "CR or LF in any field never yields an extra mail header", for every kind of email Relay writes:
/// each composer is fed, in every field a union, supporter, coordinator, translation provider,
/// inbound mail or remote mail server can put text into, strings with CR, LF, CRLF, injected header lines, NUL, Unicode line separators,
/// very long text, non-ASCII and RFC 2047-looking text. The email is written to bytes and parsed
/// back, and must have the same header fields as the same email composed with benign values, the
/// intended recipient only, no Cc or Bcc, one From and one Subject, and a Subject without a line
/// break. Intake refuses much of this upstream; the composers are tested directly all the same.
/// </summary>
public class HeaderInjectionTests
{
    private static readonly MailOptions Options = new()
    {
        FromAddress = "relay@relay.example", MessageIdDomain = "relay.example", CoordinatorsAddress = "coordinators@relay.example",
        PublicBaseUrl = "https://relay.example",
    };

    private const string Link = "https://relay.example/confirm/AbC-123_xyz";
    private static readonly DateTime At = new(2026, 11, 23, 9, 30, 0, DateTimeKind.Utc);

    private static readonly string[] Hostile =
    [
        "\r", "\n", "\r\n", "\r\nBcc: x@evil.example", "\nSubject: x", "\r\nCc: y@evil.example\r\n", "\nTo: z@evil.example",
        "\r\n\r\nBody starts here", "\r\n Folded continuation", "\0", "\u2028", "\u2029", "\u0085", "\t", " ",
        "Sintracarbón", "Профспілка", "工会", "مرحبا بالرفاق", "Zakhyst Pratsi 🚩",
        "=?utf-8?Q?a=0D=0ABcc:_x@evil.example?=", "=?utf-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes("\r\nBcc: x@evil.example")) + "?=",
        "=?iso-8859-1?Q?Solidarit=E9?=", "=?utf-8?", "?=", "\"", "<", ">", ",", ";", ":", "@", "\\",
        new string('x', 1200), string.Concat(Enumerable.Repeat("solidaridad ", 150)), "Solidarity with the miners",
    ];

    /// <summary>Text made of a few hostile pieces and random strings (control characters among them).</summary>
    private static readonly Gen<string> HostileText = Gen.OneOf(
            Gen.OneOf(Hostile), Gen.String, Gen.String[Gen.Char[(char)0, (char)31], 1, 10], Gen.String[Gen.Char[(char)0x7F, (char)0x2030], 1, 20])
        .Array[1, 5].Select(string.Concat);

    /// <summary>An address with hostile text before, inside or after it.</summary>
    private static readonly Gen<string> HostileAddress = Gen.Select(HostileText, Gen.Int[0, 3]).Select((text, where) => where switch
    {
        0 => "maria@people.example" + text,
        1 => text + "maria@people.example",
        2 => "maria" + text + "@people.example",
        _ => "maria@people" + text + ".example",
    });

    /// <summary>A From header as an inbound mail may carry it: an address, or a name and an address, hostile anywhere.</summary>
    private static readonly Gen<string> HostileFrom = Gen.OneOf(
        HostileAddress,
        HostileText.Select(name => $"{name} <maria@people.example>"),
        HostileText.Select(name => $"\"{name}\" <maria@people.example>"));

    /// <summary>Values for a kind's fields: each hostile or null, null meaning the field's benign value.</summary>
    private static Gen<string?[]> Values(int count, Gen<string> hostile) =>
        Gen.OneOf(Gen.Const((string?)null), hostile.Select(s => (string?)s)).Array[count];

    private static string[] NoValues(int count) => new string[count];

    /// <summary>A composed email and the addresses it is meant to go to and to be answered at.</summary>
    private sealed record Composed(MimeMessage Email, string[] To, string[] ReplyTo);

    // ---- the kinds of email ----

    private static Composed DeliveryEmail(string?[] t, string?[] a, bool translated)
    {
        var (recipient, sender) = (a[0] ?? "sintracarbon@unions.example", a[1] ?? "imc@miners.example");
        var translation = new EmailText(t[3] ?? "es", t[4] ?? "Carta de solidaridad", t[5] ?? "Queridos colegas.\n\nToda nuestra solidaridad.", "machine", t[6] ?? "apertium");
        var original = new EmailText(t[7] ?? "en", t[8] ?? "Solidarity with the miners", t[9] ?? "Dear colleagues.\n\nAll our solidarity.");
        var draft = new EmailDraft(Guid.Parse("7d1f7c3e-5a61-4a59-9d8a-2f6f3c9a0b11"), Guid.Parse("2b0c1c53-0d7e-4c56-8c1a-9f2f5b7e6d44"),
            t[0] ?? "International Miners' Coordination", sender, t[1] ?? "Andreas", t[2] ?? "Sintracarbón", recipient,
            translated ? [translation] : [], original, "https://relay.example/preferences/AbC-123_xyz");
        return new(MailComposer.Compose(draft, Options), [recipient], [sender]);
    }

    private static Union Union(string name, string email, string language) => new()
    {
        Id = Guid.NewGuid(), Name = name, Country = "CO", Languages = [language], Email = email, ApiKeyHash = "",
    };

    /// <summary>A message sent by a union, or by a supporter (t[1] name, t[2] organisation, t[3] language, a[0] address).</summary>
    private static SolidarityMessage Message(string?[] t, string?[] a, bool bySupporter)
    {
        var email = a[0] ?? "sender@unions.example";
        return bySupporter
            ? new SolidarityMessage
            {
                Id = Guid.NewGuid(), Title = t[0] ?? "Solidarity with the miners", Body = "…", Language = t[3] ?? "es", ConfirmationAddress = email,
                Supporter = new Supporter { Id = Guid.NewGuid(), Name = t[1] ?? "María", Organisation = t[2] ?? "Vecinos de Albania", Email = email },
            }
            : new SolidarityMessage
            {
                Id = Guid.NewGuid(), Title = t[0] ?? "Solidarity with the miners", Body = "…", ConfirmationAddress = email,
                Sender = Union(t[1] ?? "Sintracarbón", email, t[3] ?? "es"),
            };
    }

    private static Composed Summary(string?[] t, string?[] a, bool bySupporter)
    {
        var message = Message(t, a, bySupporter);
        var brazil = Union(t[4] ?? "CUT Brasil", "cut@unions.example", "pt");
        message.Recipients = [new() { UnionId = brazil.Id, Union = brazil }];
        message.Deliveries =
        [
            new() { RecipientUnionId = brazil.Id, Address = brazil.Email, Language = t[6] ?? "pt", Status = DeliveryStatus.Sent, EmailMessageId = "a", At = At },
            // A recipient not loaded is named by its address; the detail is a remote mail server's reply.
            new() { RecipientUnionId = Guid.NewGuid(), Address = t[7] ?? "gone@unions.example", Language = "uk", Status = DeliveryStatus.Failed, Detail = t[5] ?? "550 5.1.1 no such user", EmailMessageId = "b", At = At },
        ];
        return new(SenderSummary.Compose(message, Options), [message.SenderEmail!], [Options.CoordinatorsAddress]);
    }

    private static Composed Rejection(string?[] t, string?[] a, bool bySupporter)
    {
        var message = Message(t, a, bySupporter);
        var rejected = new MessageRejected(message.Id, t[4] ?? "slur: a word on the list; links: too many links", t[5] ?? "rules");
        return new(RejectionNotice.Compose(message, rejected, Options), [message.SenderEmail!], [Options.CoordinatorsAddress]);
    }

    private static Composed Confirmation(string?[] t, string?[] a, bool bySupporter)
    {
        var message = Message(t, a, bySupporter);
        var (brazil, ukraine) = (Union(t[4] ?? "CUT Brasil", "cut@unions.example", "pt"), Union(t[5] ?? "Zakhyst Pratsi", "zp@unions.example", "uk"));
        message.Recipients = [new() { UnionId = brazil.Id, Union = brazil }, new() { UnionId = ukraine.Id, Union = ukraine }];
        return new(ConfirmationEmail.Compose(message, Link, 7, Options), [message.ConfirmationAddress!], [Options.CoordinatorsAddress]);
    }

    private static Composed SignInLink(string?[] t, string?[] a)
    {
        var union = Union(t[0] ?? "Sintracarbón", a[0] ?? "sintracarbon@unions.example", t[1] ?? "es");
        return new(SignInLinkEmail.Compose(union, "https://relay.example/sign-in/AbC-123_xyz", 15, At, Options), [union.Email], []);
    }

    private static Composed Coordinators(string?[] t, bool byBounces)
    {
        var union = Union(t[0] ?? "Sintracarbón", t[3] ?? "sintracarbon@unions.example", "es");
        union.Country = t[1] ?? "CO";
        union.SuppressedAt = At;
        union.SuppressedReason = t[2] ?? "550 5.1.1 mailbox unavailable (3 hard bounces)";
        return new(CoordinatorNotice.Compose(union, byBounces, Options), [Options.CoordinatorsAddress], []);
    }

    private static readonly string[] Reasons = ["attachments", "empty", "no-recipient", "limited", "invalid"];

    private static Composed InboundReply(string?[] t, string?[] a, int reason)
    {
        var mail = new InboundMail
        {
            Key = new string('a', 64), From = a[0] ?? "maria@people.example", Subject = t[0] ?? "Solidarity", Outcome = "refused",
            Detail = t[1] ?? "no-recipient: no union is called sintracarbn", ReceivedAt = At,
        };
        // The reply goes to whatever the inbound From header names: that parse is the intended recipient.
        var to = MailboxAddress.Parse(mail.From).Address;
        return new(InboundMailReply.Compose(mail, t[2] ?? Reasons[reason], Options, t[3] ?? "es"), [to], [Options.CoordinatorsAddress]);
    }

    // ---- the properties ----

    [Fact]
    public void The_delivery_email_to_a_union_never_gains_a_header()
    {
        var benign = Fields(DeliveryEmail(NoValues(10), NoValues(2), true).Email);
        Gen.Select(Values(10, HostileText), Values(2, HostileAddress), Gen.Bool)
            .Sample((t, a, translated) => Holds(() => DeliveryEmail(t, a, translated), benign, t, a), iter: 200);
    }

    [Fact]
    public void The_summary_to_the_sender_never_gains_a_header()
    {
        var benign = Fields(Summary(NoValues(8), NoValues(1), false).Email);
        Gen.Select(Values(8, HostileText), Values(1, HostileAddress), Gen.Bool)
            .Sample((t, a, bySupporter) => Holds(() => Summary(t, a, bySupporter), benign, t, a), iter: 200);
    }

    [Fact]
    public void The_rejection_notice_never_gains_a_header()
    {
        var benign = Fields(Rejection(NoValues(6), NoValues(1), false).Email);
        Gen.Select(Values(6, HostileText), Values(1, HostileAddress), Gen.Bool)
            .Sample((t, a, bySupporter) => Holds(() => Rejection(t, a, bySupporter), benign, t, a), iter: 200);
    }

    [Fact]
    public void The_confirmation_email_never_gains_a_header()
    {
        var benign = Fields(Confirmation(NoValues(6), NoValues(1), true).Email);
        Gen.Select(Values(6, HostileText), Values(1, HostileAddress), Gen.Bool)
            .Sample((t, a, bySupporter) => Holds(() => Confirmation(t, a, bySupporter), benign, t, a), iter: 200);
    }

    [Fact]
    public void The_sign_in_link_email_never_gains_a_header()
    {
        var benign = Fields(SignInLink(NoValues(2), NoValues(1)).Email);
        Gen.Select(Values(2, HostileText), Values(1, HostileAddress))
            .Sample((t, a) => Holds(() => SignInLink(t, a), benign, t, a), iter: 200);
    }

    [Fact]
    public void The_coordinators_notice_never_gains_a_header()
    {
        var benign = Fields(Coordinators(NoValues(4), true).Email);
        Gen.Select(Values(4, HostileText), Gen.Bool)
            .Sample((t, byBounces) => Holds(() => Coordinators(t, byBounces), benign, t, []), iter: 200);
    }

    [Fact]
    public void The_answer_to_an_inbound_mail_never_gains_a_header()
    {
        var benign = Fields(InboundReply(NoValues(4), NoValues(1), 0).Email);
        Gen.Select(Values(4, HostileText), Values(1, HostileFrom), Gen.Int[0, Reasons.Length - 1])
            .Sample((t, a, reason) => Holds(() => InboundReply(t, a, reason), benign, t, a), iter: 200);
    }

    // ---- the assertion ----

    private static string[] Fields(MimeMessage email) =>
        RoundTrip(email).Headers.Select(h => h.Field.ToLowerInvariant()).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void An_address_that_would_not_read_back_as_itself_is_refused_and_ordinary_ones_pass()
    {
        Assert.True(Notices.SurvivesEncoding(MailboxAddress.Parse("maria@people.example")));
        Assert.True(Notices.SurvivesEncoding(new MailboxAddress("María", "maria@müller.example")));
        // Found by the property test above (CsCheck seed enZfyNlar4s2, an inbound email's From): written into To, this
        // domain came back through IDNA as two mailboxes.
        var hostile = new MailboxAddress("", "maria@people\u1008\u1FFE\u0C6D\u1582\u00CF\u0CA2\u11C8.example");
        Assert.False(Notices.SurvivesEncoding(hostile));
        Assert.Throws<ParseException>(() => new MimeMessage().AddressFromRelay(hostile, "en", Options));
    }

    private static MimeMessage RoundTrip(MimeMessage email)
    {
        using var stream = new MemoryStream();
        email.WriteTo(stream);
        stream.Position = 0;
        return MimeMessage.Load(stream);
    }

    /// <summary>
    /// The email composed from the values, written and parsed back, has the benign email's header
    /// fields (as many of each), goes to the intended addresses only and has a one-line Subject.
    /// A hostile address may instead be refused (MimeKit's ParseException): then nothing is sent.
    /// </summary>
    private static void Holds(Func<Composed> compose, string[] benignFields, string?[] texts, string?[] addresses)
    {
        Composed composed;
        try
        {
            composed = compose();
        }
        catch (ParseException) when (addresses.Any(a => a is not null))
        {
            return;
        }
        try
        {
            var parsed = RoundTrip(composed.Email);
            Assert.Equal(benignFields, parsed.Headers.Select(h => h.Field.ToLowerInvariant()).Order(StringComparer.Ordinal).ToArray());
            Assert.Single(parsed.Headers, h => h.Id == HeaderId.Subject);
            Assert.Single(parsed.Headers, h => h.Id == HeaderId.From);
            Assert.Equal(Options.FromAddress, Assert.IsType<MailboxAddress>(Assert.Single(parsed.From)).Address);
            Assert.Empty(parsed.Cc);
            Assert.Empty(parsed.Bcc);
            Assert.DoesNotContain(parsed.Headers, h => h.Id is HeaderId.Cc or HeaderId.Bcc or HeaderId.ResentTo or HeaderId.ResentCc or HeaderId.ResentBcc);
            // Exactly the intended recipients, as mailboxes (no group smuggling others in), with no line break in an address.
            Assert.All(parsed.To, address => Assert.IsType<MailboxAddress>(address));
            // A hostile address is compared as MimeKit canonicalises it (whitespace dropped, the domain through IDNA; a domain IDNA
            // cannot carry back, only by its local part); the count is never relaxed.
            Func<string, string> canonical = addresses.Any(a => a is not null) ? a => WithoutForeignDomain(Canonical(a)) : a => a;
            Assert.Equal(composed.To.Select(canonical), parsed.To.Mailboxes.Select(m => canonical(m.Address)));
            Assert.Equal(composed.ReplyTo.Select(canonical), parsed.ReplyTo.Mailboxes.Select(m => canonical(m.Address)));
            Assert.All(parsed.To.Mailboxes.Concat(parsed.ReplyTo.Mailboxes), m => Assert.False(m.Address.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0, m.Address));
            var subject = parsed.Subject ?? "";
            Assert.False(subject.Contains('\r') || subject.Contains('\n'), $"Subject with a line break: {Show(subject)}");
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"texts: [{string.Join(", ", texts.Select(Show))}]\naddresses: [{string.Join(", ", addresses.Select(Show))}]\n{e.Message}", e);
        }
    }

    private static string WithoutForeignDomain(string address) =>
        address.Any(c => c > 127) || address.Contains("xn--", StringComparison.OrdinalIgnoreCase) ? address[..Math.Max(0, address.LastIndexOf('@'))] : address;

    private static string Canonical(string address) =>
        MailboxAddress.DecodeAddrspec(MailboxAddress.EncodeAddrspec(string.Concat(address.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c)))));

    /// <summary>A value with its control and separator characters made visible.</summary>
    private static string Show(string? s)
    {
        if (s is null)
            return "benign";
        var shown = new StringBuilder("\"");
        foreach (var c in s.Length > 120 ? s[..120] + "…" : s)
            shown.Append(c < ' ' || c is '\u0085' or '\u2028' or '\u2029' or '\u007F' ? $"\\u{(int)c:X4}" : c.ToString());
        return shown.Append('"').ToString();
    }
}
