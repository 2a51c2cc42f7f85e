using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Relay.Contracts;
using Relay.Delivery;
using Relay.Delivery.Bounces;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Delivery;

/// <summary>The bounce path against a real IMAP server (dovecot on loopback), each test in a folder of its own.</summary>
public class BounceMailboxTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private readonly string _folder = "test-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _coordinators = $"coordinators-{Guid.NewGuid():N}@relay.example.org";

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
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
        await client.AuthenticateAsync(LocalServices.ImapUser, LocalServices.ImapPassword);
        return client;
    }

    private async Task AppendAsync(MimeMessage message)
    {
        using var imap = await ConnectAsync();
        await (await imap.GetFolderAsync(_folder)).AppendAsync(message, MessageFlags.None);
    }

    private Task<WorkerHarness> StartAsync() => WorkerHarness.StartAsync(_database,
        bus =>
        {
            bus.AddConsumer<DeliverMessageConsumer, DeliverMessageConsumerDefinition>();
            bus.AddConsumer<TellCoordinatorsConsumer>();
        },
        (services, _) => services.AddEmailDelivery(),
        new()
        {
            ["Smtp:Port"] = LocalServices.SmtpPort.ToString(),
            ["Delivery:ScanInterval"] = "01:00:00",
            ["Bounces:Host"] = "127.0.0.1",
            ["Bounces:Port"] = LocalServices.ImapPort.ToString(),
            ["Bounces:Security"] = "None",
            ["Bounces:Username"] = LocalServices.ImapUser,
            ["Bounces:Password"] = LocalServices.ImapPassword,
            ["Bounces:Folder"] = _folder,
            ["Bounces:PollInterval"] = "01:00:00", // the tests poll themselves
            ["Bounces:SuppressAfter"] = "2",
            ["Mail:CoordinatorsAddress"] = _coordinators,
        });

    /// <summary>A message delivered to a union: the delivery is sent, as if its server had taken it.</summary>
    private async Task<(Union Recipient, Relay.Storage.Delivery Delivery)> SentAsync(Union? recipient = null)
    {
        await using var db = _database.Open();
        var sender = await db.AddUnionAsync("International Miners' Coordination", "en");
        recipient ??= await db.AddUnionAsync("Sintracarbón", "es");
        var message = await db.AddMessageAsync(sender, [recipient], MessageStatus.Delivered);
        var delivery = new Relay.Storage.Delivery
        {
            Id = Guid.NewGuid(), MessageId = message.Id, RecipientUnionId = recipient.Id, Address = recipient.Email, Language = "es",
            Status = DeliveryStatus.Sent, Attempts = 1, At = DateTime.UtcNow, EmailMessageId = MailComposer.MessageIdFor(message.Id, recipient.Id, "relay.localhost"),
        };
        db.Deliveries.Add(delivery);
        await db.SaveChangesAsync();
        return (recipient, delivery);
    }

    [Fact]
    public async Task A_hard_bounce_marks_the_delivery_failed_and_counts_once_however_often_it_is_read()
    {
        await using var worker = await StartAsync();
        var mailbox = worker.Services.GetRequiredService<BounceMailbox>();
        var (recipient, delivery) = await SentAsync();
        await AppendAsync(Dsn.For(recipient.Email, delivery.EmailMessageId));
        var reply = new MimeMessage { Subject = "Re: Carta de solidaridad", Body = new TextPart("plain") { Text = "¡Gracias, compañeros!" } };
        reply.From.Add(new MailboxAddress("Sintracarbón", recipient.Email));
        await AppendAsync(reply);

        Assert.Equal((2, 1), await mailbox.PollAsync(CancellationToken.None));
        Assert.Equal((0, 0), await mailbox.PollAsync(CancellationToken.None));

        await using var db = _database.Open();
        var stored = await db.Deliveries.SingleAsync(d => d.Id == delivery.Id);
        Assert.Equal(DeliveryStatus.Failed, stored.Status);
        Assert.StartsWith("bounced after it was sent: 5.1.1", stored.Detail);
        var union = await db.Unions.SingleAsync(u => u.Id == recipient.Id);
        Assert.Equal((1, false), (union.BounceCount, union.IsSuppressed));
        var bounce = await db.Bounces.SingleAsync();
        Assert.Equal((recipient.Email, delivery.Id, true), (bounce.Address, bounce.DeliveryId, bounce.Hard));

        // The same notification left unseen again (a crash before it was flagged) is recognised.
        using (var imap = await ConnectAsync())
        {
            var folder = await imap.GetFolderAsync(_folder);
            await folder.OpenAsync(FolderAccess.ReadWrite);
            await folder.RemoveFlagsAsync(await folder.SearchAsync(MailKit.Search.SearchQuery.All), MessageFlags.Seen, silent: true);
        }
        Assert.Equal((2, 0), await mailbox.PollAsync(CancellationToken.None));
        await using var again = _database.Open();
        Assert.Equal(1, (await again.Unions.SingleAsync(u => u.Id == recipient.Id)).BounceCount);
    }

    [Fact]
    public async Task Enough_hard_bounces_suppress_the_union_tell_the_coordinators_and_stop_later_emails()
    {
        await using var worker = await StartAsync();
        var mailbox = worker.Services.GetRequiredService<BounceMailbox>();
        var (recipient, first) = await SentAsync();
        var (_, second) = await SentAsync(recipient);
        await AppendAsync(Dsn.For(recipient.Email, first.EmailMessageId));
        await AppendAsync(Dsn.For(recipient.Email, second.EmailMessageId, diagnostic: "smtp; 550 5.1.1 mailbox gone"));

        await mailbox.PollAsync(CancellationToken.None);

        await using (var db = _database.Open())
        {
            var union = await db.Unions.SingleAsync(u => u.Id == recipient.Id);
            Assert.True(union.IsSuppressed);
            Assert.StartsWith($"2 hard bounces from {recipient.Email}; the last: 5.1.1", union.SuppressedReason);
        }
        await worker.DispatchOutboxAsync();
        var notice = Assert.Single(await Maildev.WaitForAsync(_coordinators));
        Assert.Equal("Sintracarbón no longer receives messages", notice.GetProperty("subject").GetString());
        Assert.Contains("2 hard bounces", await Maildev.SourceAsync(notice));
        await worker.ConsumeAsync(new UnionSuppressed(recipient.Id, "again", true)); // a redelivered event
        Assert.Single(await Maildev.EmailsToAsync(_coordinators));

        // A later message is not sent to the suppressed union, and says why.
        SolidarityMessage later;
        await using (var db = _database.Open())
            later = await db.AddMessageAsync(await db.AddUnionAsync("Zakhyst Pratsi", "uk"), [await db.Unions.SingleAsync(u => u.Id == recipient.Id)], MessageStatus.Approved);
        await worker.ConsumeAsync(new MessageApproved(later.Id, "rules"));
        await using var check = _database.Open();
        var delivery = await check.Deliveries.SingleAsync(d => d.MessageId == later.Id);
        Assert.Equal((DeliveryStatus.Suppressed, 0), (delivery.Status, delivery.Attempts));
        Assert.StartsWith("2 hard bounces", delivery.Detail);
        Assert.Equal(MessageStatus.Failed, (await check.Messages.SingleAsync(m => m.Id == later.Id)).Status);
    }
}
