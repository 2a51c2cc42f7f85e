using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Relay.Contracts;
using Relay.Delivery;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Delivery;

/// <summary>
/// The email consumer on the test harness against a scripted SMTP server that refuses recipients
/// (451, 550), refuses messages after DATA (451, 554) or drops the connection, on both databases.
/// </summary>
public class SmtpFailureTests : IAsyncLifetime
{
    private readonly ScriptedSmtpServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<WorkerHarness> StartAsync(TestDatabase database) => WorkerHarness.StartAsync(database,
        bus => bus.AddConsumer<DeliverMessageConsumer, DeliverMessageConsumerDefinition>(), (services, _) => services.AddEmailDelivery(),
        // The scheduler runs only when a test calls it.
        new()
        {
            ["Smtp:Host"] = "127.0.0.1", ["Smtp:Port"] = _server.Port.ToString(), ["Smtp:Timeout"] = "00:00:15",
            // One connection: a refusal must leave the conversation usable for the next recipient.
            ["Smtp:PoolSize"] = "1",
            ["Delivery:ScanInterval"] = "01:00:00",
        });

    private static async Task<(SolidarityMessage Message, List<Union> Recipients)> ApprovedAsync(TestDatabase database, int recipients = 2)
    {
        await using var db = database.Open();
        var sender = await db.AddUnionAsync("International Miners' Coordination", "en");
        var unions = new List<Union>();
        for (var i = 1; i <= recipients; i++)
            unions.Add(await db.AddUnionAsync($"Miners' Union {i}", "en"));
        return (await db.AddMessageAsync(sender, unions, MessageStatus.Approved), unions);
    }

    private static async Task<SolidarityMessage> StoredAsync(TestDatabase database, Guid messageId)
    {
        await using var db = database.Open();
        return await db.Messages.Include(m => m.Deliveries).AsNoTracking().SingleAsync(m => m.Id == messageId);
    }

    private static async Task MakeDueAsync(TestDatabase database, Guid messageId)
    {
        await using var db = database.Open();
        await db.Deliveries.Where(d => d.MessageId == messageId)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, DateTime.UtcNow.AddSeconds(-1)));
    }

    private static string Describe(SolidarityMessage message) =>
        string.Join("; ", message.Deliveries.Select(d => $"{d.Address} {d.Status} {d.Attempts} {d.NextAttemptAt:o} {d.Detail}"));

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_run_cancelled_mid_send_finishes_the_email_on_the_wire_and_releases_the_claims_it_never_sent(string provider)
    {
        // As when the broker connection that brought the message is lost: MassTransit cancels the consumer.
        await using var database = await TestDatabase.CreateAsync(provider);
        var (message, unions) = await ApprovedAsync(database, recipients: 4);
        using var lost = new CancellationTokenSource();
        var first = true;
        _server.Script = _ =>
        {
            if (first)
                lost.Cancel();
            first = false;
            return SmtpScript.Accept;
        };
        await using var worker = await StartAsync(database);
        var before = DateTime.UtcNow;

        await using (var scope = worker.Services.CreateAsyncScope())
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scope.ServiceProvider.GetRequiredService<DeliveryStage>().RunAsync(message.Id, lost.Token));

        // The email that was on its way went out and is recorded; the one claimed with it (one connection,
        // two emails a claim) is due again at once with its attempt handed back; the rest were never claimed.
        Assert.Single(_server.Messages);
        var stored = await StoredAsync(database, message.Id);
        var sent = Assert.Single(stored.Deliveries, d => d.Status == DeliveryStatus.Sent);
        Assert.Equal(1, sent.Attempts);
        var open = stored.Deliveries.Where(d => d != sent).ToList();
        Assert.All(open, d => Assert.True(d.Status == DeliveryStatus.Pending && d.Attempts == 0 && (d.NextAttemptAt is null || d.NextAttemptAt <= DateTime.UtcNow), Describe(stored)));
        Assert.Single(open, d => d.NextAttemptAt >= before.AddSeconds(-1));

        // The message again (the broker redelivers it): each union gets its email once.
        await worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));
        Assert.All(unions, u => Assert.Single(_server.MessagesTo(u.Email)));
        stored = await StoredAsync(database, message.Id);
        Assert.True(stored.Status == MessageStatus.Delivered, Describe(stored));
        Assert.All(stored.Deliveries, d => Assert.Equal(1, d.Attempts));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_summary_whose_consumer_is_cancelled_mid_send_is_sent_and_recorded_once(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (message, _) = await ApprovedAsync(database, recipients: 1);
        using var lost = new CancellationTokenSource();
        _server.Script = _ =>
        {
            lost.Cancel(); // the broker connection goes while the server reads the envelope
            return SmtpScript.Accept;
        };
        await using var worker = await StartAsync(database);
        var mail = worker.Services.GetRequiredService<OnceOnlyMail>();
        var compose = () => new MimeKit.MimeMessage([MimeKit.MailboxAddress.Parse("relay@relay.test")], [MimeKit.MailboxAddress.Parse("sender@unions.example.org")],
            "How your message ended", new MimeKit.TextPart("plain") { Text = "Delivered to 1 union." });
        await using var db = database.Open();

        Assert.True(await mail.SendToSenderAsync(db, message.Id, compose, lost.Token));
        // The event comes again (its acknowledgement was lost with the connection): nothing more is sent.
        Assert.False(await mail.SendToSenderAsync(db, message.Id, compose, CancellationToken.None));

        Assert.Single(_server.Messages);
        var stored = await db.Messages.AsNoTracking().SingleAsync(m => m.Id == message.Id);
        Assert.NotNull(stored.SummarySentAt);
        Assert.Null(stored.SummaryClaimedUntil);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_recipient_answered_451_is_deferred_for_a_minute_while_the_other_is_sent_in_the_same_run(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (message, unions) = await ApprovedAsync(database);
        var (busy, ready) = (unions[0], unions[1]);
        _server.Script = to => to == busy.Email ? SmtpScript.TemporaryAtRcpt : SmtpScript.Accept;
        await using var worker = await StartAsync(database);
        var before = DateTime.UtcNow;

        await worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));

        Assert.Single(_server.MessagesTo(ready.Email));
        Assert.Empty(_server.MessagesTo(busy.Email));
        // The refusal left the conversation intact: one connection served both.
        Assert.Equal(1, _server.Connections);
        var stored = await StoredAsync(database, message.Id);
        Assert.Equal(MessageStatus.Approved, stored.Status);
        var deferred = stored.Deliveries.Single(d => d.RecipientUnionId == busy.Id);
        Assert.Equal((DeliveryStatus.Deferred, 1), (deferred.Status, deferred.Attempts));
        Assert.StartsWith("451 4.2.1 Scripted: mailbox busy", deferred.Detail);
        Assert.InRange(deferred.NextAttemptAt!.Value, before.AddSeconds(59), DateTime.UtcNow.AddSeconds(61));
        var sent = stored.Deliveries.Single(d => d.RecipientUnionId == ready.Id);
        Assert.Equal((DeliveryStatus.Sent, (DateTime?)null), (sent.Status, sent.NextAttemptAt));
        await worker.DispatchOutboxAsync();
        Assert.True(await worker.Bus.WasPublishedAsync<DeliveryFailed>(f => f.Context.Message.RecipientUnionId == busy.Id && !f.Context.Message.Permanent));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Recipients_answered_550_fail_for_good_and_so_does_the_message_when_no_one_got_it(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (message, unions) = await ApprovedAsync(database);
        _server.Script = _ => SmtpScript.PermanentAtRcpt;
        await using var worker = await StartAsync(database);

        await worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));

        Assert.Empty(_server.Messages);
        var stored = await StoredAsync(database, message.Id);
        Assert.True(stored.Status == MessageStatus.Failed, Describe(stored));
        Assert.All(stored.Deliveries, d =>
        {
            Assert.Equal((DeliveryStatus.Failed, 1, (DateTime?)null), (d.Status, d.Attempts, d.NextAttemptAt));
            Assert.StartsWith("550 5.1.1 Scripted: no such mailbox", d.Detail);
        });
        await worker.DispatchOutboxAsync();
        foreach (var union in unions)
            Assert.True(await worker.Bus.WasPublishedAsync<DeliveryFailed>(f => f.Context.Message.RecipientUnionId == union.Id
                && f.Context.Message.Permanent && f.Context.Message.Detail.StartsWith("550 ")));
        Assert.True(await worker.Bus.WasPublishedAsync<MessageDelivered>(m => m.Context.Message.MessageId == message.Id
            && (m.Context.Message.Sent, m.Context.Message.Failed) == (0, 2)));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_message_is_delivered_when_one_recipient_got_it_and_the_other_was_refused_for_good(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (message, unions) = await ApprovedAsync(database);
        _server.Script = to => to == unions[0].Email ? SmtpScript.PermanentAtRcpt : SmtpScript.Accept;
        await using var worker = await StartAsync(database);

        await worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));

        Assert.Single(_server.MessagesTo(unions[1].Email));
        var stored = await StoredAsync(database, message.Id);
        Assert.True(stored.Status == MessageStatus.Delivered, Describe(stored));
        Assert.Equal(DeliveryStatus.Failed, stored.Deliveries.Single(d => d.RecipientUnionId == unions[0].Id).Status);
        await worker.DispatchOutboxAsync();
        Assert.True(await worker.Bus.WasPublishedAsync<MessageDelivered>(m => m.Context.Message.MessageId == message.Id
            && (m.Context.Message.Sent, m.Context.Message.Failed) == (1, 1)));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_message_refused_after_its_data_is_deferred_on_451_and_failed_on_554(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (message, unions) = await ApprovedAsync(database);
        _server.Script = to => to == unions[0].Email ? SmtpScript.TemporaryAfterData : SmtpScript.PermanentAfterData;
        await using var worker = await StartAsync(database);

        await worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));

        Assert.Empty(_server.Messages);
        var stored = await StoredAsync(database, message.Id);
        var later = stored.Deliveries.Single(d => d.RecipientUnionId == unions[0].Id);
        Assert.Equal(DeliveryStatus.Deferred, later.Status);
        Assert.StartsWith("451 4.3.0 Scripted", later.Detail);
        Assert.NotNull(later.NextAttemptAt);
        var never = stored.Deliveries.Single(d => d.RecipientUnionId == unions[1].Id);
        Assert.Equal((DeliveryStatus.Failed, (DateTime?)null), (never.Status, never.NextAttemptAt));
        Assert.StartsWith("554 5.6.0 Scripted", never.Detail);
        Assert.Equal(MessageStatus.Approved, stored.Status);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_connection_dropped_after_data_defers_the_delivery_and_its_retry_reconnects_and_sends_it(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (message, unions) = await ApprovedAsync(database, recipients: 1);
        _server.Script = _ => SmtpScript.DropAfterData;
        await using var worker = await StartAsync(database);

        await worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));

        Assert.Equal((1, 1), (_server.Connections, _server.Dropped));
        var dropped = Assert.Single((await StoredAsync(database, message.Id)).Deliveries);
        Assert.Equal(DeliveryStatus.Deferred, dropped.Status);
        Assert.False(string.IsNullOrEmpty(dropped.Detail));

        _server.Script = _ => SmtpScript.Accept;
        await MakeDueAsync(database, message.Id);
        Assert.Equal(1, await worker.Services.GetRequiredService<DeferredDeliveryScheduler>().RetryDueAsync(CancellationToken.None));

        Assert.Equal(2, _server.Connections);
        Assert.Equal(2, Assert.Single(_server.MessagesTo(unions[0].Email)).Connection);
        var stored = await StoredAsync(database, message.Id);
        Assert.True(stored.Status == MessageStatus.Delivered, Describe(stored));
        Assert.Equal((DeliveryStatus.Sent, 2), (stored.Deliveries[0].Status, stored.Deliveries[0].Attempts));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Deliveries_deferred_when_the_worker_restarts_go_out_once_each_even_when_retried_and_replayed(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (message, unions) = await ApprovedAsync(database);
        _server.Script = _ => SmtpScript.TemporaryAtRcpt;
        await using (var before = await StartAsync(database))
            await before.ConsumeAsync(new MessageApproved(message.Id, "rules"));
        Assert.All((await StoredAsync(database, message.Id)).Deliveries, d => Assert.Equal(DeliveryStatus.Deferred, d.Status));
        await MakeDueAsync(database, message.Id);
        _server.Script = _ => SmtpScript.Accept;

        // A new worker (a restart): the schedule is in the database, not in the process that stopped.
        await using var worker = await StartAsync(database);
        var scheduler = worker.Services.GetRequiredService<DeferredDeliveryScheduler>();
        Assert.Equal(1, await scheduler.RetryDueAsync(CancellationToken.None));
        Assert.Equal(0, await scheduler.RetryDueAsync(CancellationToken.None));
        await worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));

        Assert.Equal(2, _server.Messages.Count);
        Assert.All(unions, union => Assert.Single(_server.MessagesTo(union.Email)));
        var stored = await StoredAsync(database, message.Id);
        Assert.True(stored.Status == MessageStatus.Delivered, Describe(stored));
        Assert.All(stored.Deliveries, d => Assert.Equal((DeliveryStatus.Sent, 2, (DateTime?)null), (d.Status, d.Attempts, d.NextAttemptAt)));
    }
}
