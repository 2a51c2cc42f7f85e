using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Relay.Contracts;
using Relay.Delivery;
using Relay.Intake;
using Relay.Intake.MailIntake;
using Relay.Intake.Review;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>
/// Email intake against a real IMAP server (dovecot on loopback, the intake mailbox's user), each
/// test in a folder of its own: letters appended over IMAP, one poll, what was stored.
/// </summary>
public class MailIntakeMailboxTests : IAsyncLifetime
{
    private const string TrustedServer = "mx.relay.test";
    private TestDatabase _database = null!;
    protected virtual string Provider => "sqlite";
    private readonly string _folder = "intake-" + Guid.NewGuid().ToString("N")[..12];
    private static readonly SeedLetter Letter = Seeds.Cerrejon;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(Provider);
        using var imap = await ConnectAsync();
        await imap.GetFolder(imap.PersonalNamespaces[0]).CreateAsync(_folder, isMessageFolder: true);
    }

    public async Task DisposeAsync()
    {
        using (var imap = await ConnectAsync())
            await (await imap.GetFolderAsync(_folder)).DeleteAsync();
        await _database.DisposeAsync();
    }

    private static async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient { Timeout = 10_000 };
        await client.ConnectAsync("127.0.0.1", LocalServices.ImapPort, SecureSocketOptions.None);
        await client.AuthenticateAsync(LocalServices.IntakeImapUser, LocalServices.IntakeImapPassword);
        return client;
    }

    private async Task AppendAsync(MimeMessage message)
    {
        using var imap = await ConnectAsync();
        await (await imap.GetFolderAsync(_folder)).AppendAsync(message, MessageFlags.None);
    }

    /// <summary>The intake's mailbox and recorder, with the delivery worker's answer to refused mail on the in-memory bus.</summary>
    private Task<WorkerHarness> StartAsync(Dictionary<string, string?>? settings = null) => WorkerHarness.StartAsync(_database,
        bus =>
        {
            bus.AddConsumer<InboundMailReplyConsumer>();
            bus.AddConsumer<ConfirmationRequestedConsumer>();
        },
        (services, _) =>
        {
            services.AddOptions<IntakeOptions>();
            services.AddOptions<Relay.Intake.Abuse.RateLimitOptions>().BindConfiguration("RateLimits");
            services.AddScoped<MessageSubmission>();
            services.AddSingleton(new Relay.Intake.Auth.RecentLookups(TimeProvider.System));
            services.AddMailIntake();
            services.AddEmailDelivery();
        },
        new Dictionary<string, string?>
        {
            ["Smtp:Port"] = LocalServices.SmtpPort.ToString(),
            ["MailIntake:Host"] = "127.0.0.1",
            ["MailIntake:Port"] = LocalServices.ImapPort.ToString(),
            ["MailIntake:Security"] = "None",
            ["MailIntake:Username"] = LocalServices.IntakeImapUser,
            ["MailIntake:Password"] = LocalServices.IntakeImapPassword,
            ["MailIntake:Folder"] = _folder,
            ["MailIntake:Address"] = "relay@relay.test",
            ["MailIntake:TrustedAuthServId"] = TrustedServer,
            ["MailIntake:PollInterval"] = "01:00:00", // the tests poll themselves
        }.Concat(settings ?? []).ToDictionary());

    /// <summary>A letter as the receiving server hands it over: its Authentication-Results on top when it verified the sender's domain.</summary>
    private static MimeMessage Mail(string from, string to, string body, bool verified = true, string subject = "Re: Solidarity with the strikers of Cerrejón")
    {
        var mail = new MimeMessage { Subject = subject, MessageId = $"{Guid.NewGuid():N}@unions.example.org", Date = DateTimeOffset.UtcNow };
        mail.From.Add(new MailboxAddress("María Pérez", from));
        mail.To.Add(MailboxAddress.Parse(to));
        mail.Body = new TextPart("plain") { Text = body };
        var domain = from[(from.IndexOf('@') + 1)..];
        mail.Headers.Insert(0, new Header("Authentication-Results",
            verified ? $"{TrustedServer}; dkim=pass header.d={domain}; spf=pass smtp.mailfrom={from}" : $"{TrustedServer}; dkim=none; spf=softfail smtp.mailfrom={from}"));
        return mail;
    }

    private const string QuoteAndSignature = "\n\nOn Mon, 3 Nov 2025 at 10:12, IMC <imc@example.org> wrote:\n> Dear colleagues,\n> please sign the call.\n\n-- \nMaría Pérez\nSecretaria internacional\n";

    private async Task<(Union Sender, Union Recipient)> UnionsAsync()
    {
        await using var db = _database.Open();
        return (await db.AddUnionAsync("Sintracarbón", "es"), await db.AddUnionAsync("International Miners' Coordination", "en"));
    }

    private static async Task<List<string>> EventTypesAsync(RelayDb db) => await db.Outbox.Select(o => o.EventType).ToListAsync();

    [Fact]
    public async Task A_verified_union_naming_a_recipient_submits_once_however_often_the_mailbox_is_read()
    {
        await using var worker = await StartAsync();
        var mailbox = worker.Services.GetRequiredService<IntakeMailbox>();
        var (sender, recipient) = await UnionsAsync();
        await AppendAsync(Mail(sender.Email.ToUpperInvariant(), "Relay <relay+international-miners-coordination@relay.test>", Letter.Body + QuoteAndSignature));

        Assert.Equal((1, 1), await mailbox.PollAsync(CancellationToken.None));
        Assert.Equal((0, 0), await mailbox.PollAsync(CancellationToken.None));

        await using (var db = _database.Open())
        {
            var message = await db.Messages.Include(m => m.Recipients).SingleAsync();
            Assert.Equal((sender.Id, MessageChannel.Email, MessageStatus.Received), (message.SenderUnionId, message.Channel, message.Status));
            Assert.Equal([recipient.Id], message.Recipients.Select(r => r.UnionId));
            Assert.Equal(Letter.Body.Trim(), message.Body);
            Assert.Equal("Solidarity with the strikers of Cerrejón", message.Title);
            Assert.Equal("María Pérez", message.Author);
            Assert.Null(message.Language); // detected later, by the translation stage
            var inbound = await db.InboundMails.SingleAsync();
            Assert.Equal((InboundOutcome.Submitted, message.Id), (inbound.Outcome, inbound.MessageId));
            Assert.Equal([typeof(MessageSubmitted).FullName!], await EventTypesAsync(db));
        }

        // The same email left unseen again (a crash before it was flagged) is recognised.
        using (var imap = await ConnectAsync())
        {
            var folder = await imap.GetFolderAsync(_folder);
            await folder.OpenAsync(FolderAccess.ReadWrite);
            await folder.RemoveFlagsAsync(await folder.SearchAsync(SearchQuery.All), MessageFlags.Seen, silent: true);
        }
        Assert.Equal((1, 0), await mailbox.PollAsync(CancellationToken.None));
        await using var again = _database.Open();
        Assert.Equal(1, await again.Messages.CountAsync());
        Assert.Equal(1, await again.Outbox.CountAsync());
    }

    [Fact]
    public async Task An_address_that_is_no_unions_waits_for_confirmation_as_a_supporter_who_is_emailed_the_link()
    {
        await using var worker = await StartAsync();
        var (_, recipient) = await UnionsAsync();
        var stranger = $"maria-{Guid.NewGuid():N}@people.example.net";
        await AppendAsync(Mail(stranger, "relay+international-miners-coordination@relay.test", Letter.Body));

        Assert.Equal((1, 1), await worker.Services.GetRequiredService<IntakeMailbox>().PollAsync(CancellationToken.None));

        await using (var db = _database.Open())
        {
            var message = await db.Messages.Include(m => m.Supporter).Include(m => m.Recipients).SingleAsync();
            Assert.Equal((MessageStatus.AwaitingConfirmation, (Guid?)null, MessageChannel.Email), (message.Status, message.SenderUnionId, message.Channel));
            Assert.Equal(("María Pérez", stranger), (message.Supporter!.Name, message.Supporter.Email));
            Assert.Equal(stranger, message.ConfirmationAddress);
            Assert.Equal([recipient.Id], message.Recipients.Select(r => r.UnionId));
            Assert.Equal(InboundOutcome.AwaitingConfirmation, (await db.InboundMails.SingleAsync()).Outcome);
            Assert.Equal([typeof(ConfirmationRequested).FullName!], await EventTypesAsync(db));
        }
        // The email stage sends the link that confirms it, as for the supporters' form.
        await worker.DispatchOutboxAsync();
        Assert.Contains("/confirm/", await Maildev.SourceAsync(Assert.Single(await Maildev.WaitForAsync(stranger))));
    }

    [Fact]
    public async Task A_unions_address_the_server_did_not_verify_is_confirmed_at_the_registered_address()
    {
        await using var worker = await StartAsync();
        var (sender, _) = await UnionsAsync();
        await AppendAsync(Mail(sender.Email, "relay+international-miners-coordination@relay.test", Letter.Body, verified: false));

        await worker.Services.GetRequiredService<IntakeMailbox>().PollAsync(CancellationToken.None);

        await using var db = _database.Open();
        var message = await db.Messages.SingleAsync();
        Assert.Equal((MessageStatus.AwaitingConfirmation, (Guid?)sender.Id, sender.Email), (message.Status, message.SenderUnionId, message.ConfirmationAddress));
        Assert.Contains("sender not verified", (await db.InboundMails.SingleAsync()).Detail);
    }

    [Fact]
    public async Task An_attachment_is_refused_with_one_polite_answer_and_nothing_kept()
    {
        await using var worker = await StartAsync();
        var (sender, _) = await UnionsAsync();
        var mail = Mail(sender.Email, "relay+international-miners-coordination@relay.test", "");
        var body = new BodyBuilder { TextBody = Letter.Body };
        body.Attachments.Add("declaration.pdf", "%PDF-1.4 not really"u8.ToArray(), new ContentType("application", "pdf"));
        mail.Body = body.ToMessageBody();
        await AppendAsync(mail);

        Assert.Equal((1, 1), await worker.Services.GetRequiredService<IntakeMailbox>().PollAsync(CancellationToken.None));

        await using (var db = _database.Open())
        {
            Assert.Equal(0, await db.Messages.CountAsync());
            var inbound = await db.InboundMails.SingleAsync();
            Assert.Equal((InboundOutcome.Refused, "attachments: declaration.pdf", (Guid?)null), (inbound.Outcome, inbound.Detail, inbound.MessageId));
            Assert.Equal([typeof(InboundMailRefused).FullName!], await EventTypesAsync(db));
        }
        await worker.DispatchOutboxAsync();
        var answer = Assert.Single(await Maildev.WaitForAsync(sender.Email));
        Assert.Equal("Re: Solidarity with the strikers of Cerrejón", answer.GetProperty("subject").GetString());
        var source = await Maildev.SourceAsync(answer);
        Assert.Contains("declaration.pdf", source);
        Assert.Contains("Auto-Submitted: auto-replied", source);
        Assert.Contains("sin adjuntos, imágenes ni archivos", MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(source))).TextBody);

        // A redelivered event answers nothing more.
        await worker.ConsumeAsync(new InboundMailRefused(InboundLetter.KeyOf(mail), RefusalReason.Attachments));
        Assert.Single(await Maildev.EmailsToAsync(sender.Email));
        await using var check = _database.Open();
        Assert.NotNull((await check.InboundMails.SingleAsync()).RepliedAt);
    }

    [Fact]
    public async Task An_html_only_letter_goes_on_as_text_and_one_with_nothing_of_its_own_is_refused_and_answered()
    {
        await using var worker = await StartAsync();
        var (sender, _) = await UnionsAsync();
        var html = Mail(sender.Email, "relay+international-miners-coordination@relay.test", "");
        html.Body = new TextPart("html")
        {
            Text = "<div dir=\"ltr\"><p>Dear colleagues,</p><p>we stand with you &amp; your strike.<br>Glück auf!</p>"
                + "<div class=\"gmail_quote\">On Mon, 3 Nov 2025 at 10:12, IMC &lt;imc@example.org&gt; wrote:<br>"
                + "<blockquote class=\"gmail_quote\">Please sign the call.</blockquote></div></div>",
        };
        await AppendAsync(html);
        await AppendAsync(Mail(sender.Email, "relay+international-miners-coordination@relay.test",
            "On Mon, 3 Nov 2025 at 10:12, IMC <imc@example.org> wrote:\n> Please sign the call.\n", subject: "Re: Please sign the call"));

        Assert.Equal((2, 2), await worker.Services.GetRequiredService<IntakeMailbox>().PollAsync(CancellationToken.None));

        await using (var db = _database.Open())
        {
            Assert.Equal("Dear colleagues,\n\nwe stand with you & your strike.\nGlück auf!", (await db.Messages.SingleAsync()).Body);
            var refused = await db.InboundMails.SingleAsync(m => m.Outcome == InboundOutcome.Refused);
            Assert.StartsWith(RefusalReason.Empty + ":", refused.Detail);
        }
        await worker.DispatchOutboxAsync();
        var answer = Assert.Single(await Maildev.WaitForAsync(sender.Email));
        Assert.Equal("Re: Please sign the call", answer.GetProperty("subject").GetString());
        Assert.Contains("No hemos encontrado ninguna carta en su correo", MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(await Maildev.SourceAsync(answer)))).TextBody);
    }

    [Fact]
    public async Task A_letter_longer_than_any_message_may_be_is_refused_with_the_rule()
    {
        await using var worker = await StartAsync();
        var (sender, _) = await UnionsAsync();
        var longLetter = string.Join("\n\n", Enumerable.Repeat(Letter.Body, 20_001 / Letter.Body.Length + 1));
        await AppendAsync(Mail(sender.Email, "relay+international-miners-coordination@relay.test", longLetter));

        Assert.Equal((1, 1), await worker.Services.GetRequiredService<IntakeMailbox>().PollAsync(CancellationToken.None));

        await using (var db = _database.Open())
        {
            Assert.Equal(0, await db.Messages.CountAsync());
            Assert.Contains("at most 20000 are allowed", (await db.InboundMails.SingleAsync()).Detail);
        }
        await worker.DispatchOutboxAsync();
        var answer = Assert.Single(await Maildev.WaitForAsync(sender.Email));
        Assert.Contains("Su carta no se ha podido aceptar tal como está", MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(await Maildev.SourceAsync(answer)))).TextBody);
    }

    [Fact]
    public async Task Over_a_limit_a_union_is_answered_with_it_and_an_unverified_address_gets_one_answer_a_day()
    {
        await using var worker = await StartAsync(new() { ["RateLimits:RecipientsPerUnionPerDay"] = "1" });
        var (sender, _) = await UnionsAsync();
        await using (var db = _database.Open())
            await db.AddUnionAsync("Zakhyst Pratsi", "uk");
        await AppendAsync(Mail(sender.Email, "relay+international-miners-coordination+zakhyst-pratsi@relay.test", Letter.Body));
        var stranger = $"maria-{Guid.NewGuid():N}@people.example.net";
        for (var i = 0; i < 2; i++)
        {
            var withFile = Mail(stranger, "relay+international-miners-coordination@relay.test", "", subject: $"Declaration {i}");
            var body = new BodyBuilder { TextBody = Letter.Body };
            body.Attachments.Add("declaration.pdf", "%PDF-1.4"u8.ToArray(), new ContentType("application", "pdf"));
            withFile.Body = body.ToMessageBody();
            await AppendAsync(withFile);
        }

        Assert.Equal((3, 3), await worker.Services.GetRequiredService<IntakeMailbox>().PollAsync(CancellationToken.None));

        await using (var db = _database.Open())
        {
            Assert.Equal(0, await db.Messages.CountAsync());
            Assert.StartsWith("limited: This message has 2 recipients", (await db.InboundMails.SingleAsync(m => m.From == sender.Email)).Detail);
            var strangers = await db.InboundMails.Where(m => m.From == stranger).OrderBy(m => m.Subject).Select(m => m.Detail).ToListAsync();
            Assert.Equal(["attachments: declaration.pdf", "attachments: declaration.pdf (not answered: another email from this unverified address was refused in the last day)"], strangers);
        }
        await worker.DispatchOutboxAsync();
        var limit = Assert.Single(await Maildev.WaitForAsync(sender.Email));
        Assert.Contains("Relay no ha podido aceptar su carta ahora", MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(await Maildev.SourceAsync(limit)))).TextBody);
        Assert.Equal("Re: Declaration 0", Assert.Single(await Maildev.WaitForAsync(stranger)).GetProperty("subject").GetString());
    }

    [Fact]
    public async Task An_auto_reply_is_recorded_as_ignored_and_never_answered()
    {
        await using var worker = await StartAsync();
        var (sender, _) = await UnionsAsync();
        var away = Mail(sender.Email, "relay@relay.test", "I am away until Monday.", subject: "Automatic reply: Not sent");
        away.Headers.Add(HeaderId.AutoSubmitted, "auto-replied");
        await AppendAsync(away);

        Assert.Equal((1, 1), await worker.Services.GetRequiredService<IntakeMailbox>().PollAsync(CancellationToken.None));

        await using var db = _database.Open();
        Assert.Equal(0, await db.Messages.CountAsync());
        Assert.Equal(InboundOutcome.Ignored, (await db.InboundMails.SingleAsync()).Outcome);
        Assert.Empty(await EventTypesAsync(db));
    }

    [Fact]
    public async Task A_verified_union_naming_nobody_waits_for_a_coordinator_who_chooses_the_recipients()
    {
        await using var worker = await StartAsync();
        var (sender, recipient) = await UnionsAsync();
        await AppendAsync(Mail(sender.Email, "relay@relay.test", Letter.Body));

        await worker.Services.GetRequiredService<IntakeMailbox>().PollAsync(CancellationToken.None);

        Guid id;
        await using (var db = _database.Open())
        {
            var message = await db.Messages.Include(m => m.Recipients).SingleAsync();
            Assert.Equal((MessageStatus.AwaitingRecipients, (Guid?)sender.Id), (message.Status, message.SenderUnionId));
            Assert.Empty(message.Recipients);
            Assert.Empty(await EventTypesAsync(db));
            Assert.Equal(InboundOutcome.Triage, (await db.InboundMails.SingleAsync()).Outcome);
            Assert.Equal([message.Id], (await new ReviewDesk(db).AwaitingRecipientsAsync(CancellationToken.None)).Select(m => m.Id));
            id = message.Id;
        }

        await using (var db = _database.Open())
            Assert.IsType<ReviewResult.Done>(await new ReviewDesk(db).SendOnAsync(id, "coordinator", [recipient.Id], CancellationToken.None));

        await using (var db = _database.Open())
        {
            var message = await db.Messages.Include(m => m.Recipients).SingleAsync();
            Assert.Equal(MessageStatus.Received, message.Status);
            Assert.Equal([recipient.Id], message.Recipients.Select(r => r.UnionId));
            Assert.Equal([typeof(MessageSubmitted).FullName!], await EventTypesAsync(db));
            var audit = await db.AuditLog.SingleAsync();
            Assert.Equal((AuditAction.ChooseRecipients, "coordinator", recipient.Name), (audit.Action, audit.Actor, audit.Detail));
            Assert.IsType<ReviewResult.Refused>(await new ReviewDesk(db).SendOnAsync(id, "coordinator", [recipient.Id], CancellationToken.None));
        }
    }
}

/// <summary>The same, on PostgreSQL.</summary>
public class MailIntakeMailboxPostgresTests : MailIntakeMailboxTests
{
    protected override string Provider => "postgres";
}
