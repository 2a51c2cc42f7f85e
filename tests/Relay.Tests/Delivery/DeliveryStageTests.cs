using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Delivery;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Delivery;

/// <summary>The email consumer on the test harness, sending through the real SMTP catcher (maildev).</summary>
public class DeliveryStageTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();
    public async Task DisposeAsync() => await _database.DisposeAsync();

    private Task<WorkerHarness> StartAsync(int smtpPort, int perDomainPerMinute = 60, int batchSize = 8, string batchWait = "00:00:00.05") => WorkerHarness.StartAsync(_database,
        bus =>
        {
            bus.AddConsumer<DeliverMessageConsumer, DeliverMessageConsumerDefinition>();
            bus.AddConsumer<SenderSummaryConsumer>();
        },
        (services, _) => services.AddEmailDelivery(),
        // The scheduler runs only when a test calls it.
        new()
        {
            ["Smtp:Port"] = smtpPort.ToString(), ["Smtp:Host"] = "127.0.0.1", ["Delivery:ScanInterval"] = "01:00:00",
            ["Delivery:PerDomainPerMinute"] = perDomainPerMinute.ToString(),
            // A batch is handed over when it is full, or after the wait (the batch tests fill theirs and wait long).
            ["Delivery:BatchSize"] = batchSize.ToString(), ["Delivery:BatchWait"] = batchWait,
        });

    private async Task<(SolidarityMessage Message, Union Spanish, Union English)> ApprovedAsync()
    {
        await using var db = _database.Open();
        var sender = await db.AddUnionAsync("International Miners' Coordination", "en");
        var spanish = await db.AddUnionAsync("Sintracarbón", "es");
        var english = await db.AddUnionAsync("Miners' Union of India", "en");
        var message = await db.AddMessageAsync(sender, [spanish, english], MessageStatus.Approved);
        await db.AddTranslationAsync(message, "es", "Carta de solidaridad a los mineros", "Queridos colegas, toda nuestra solidaridad.");
        return (message, spanish, english);
    }

    [Fact]
    public async Task Each_recipient_gets_one_email_in_its_language_even_when_the_event_is_replayed()
    {
        await using var worker = await StartAsync(LocalServices.SmtpPort);
        var (message, spanish, english) = await ApprovedAsync();

        await worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));
        await worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));

        var toSpanish = await Maildev.WaitForAsync(spanish.Email);
        var toEnglish = await Maildev.WaitForAsync(english.Email);
        Assert.Equal("Carta de solidaridad a los mineros", Assert.Single(toSpanish).GetProperty("subject").GetString());
        Assert.Equal(message.Title, Assert.Single(toEnglish).GetProperty("subject").GetString());
        var source = await Maildev.SourceAsync(toSpanish[0]);
        Assert.Contains($"Message-Id: <{message.Id:N}.{spanish.Id:N}@", source, StringComparison.OrdinalIgnoreCase);

        await using var db = _database.Open();
        var stored = await db.Messages.Include(m => m.Deliveries).SingleAsync(m => m.Id == message.Id);
        Assert.Equal(MessageStatus.Delivered, stored.Status);
        Assert.All(stored.Deliveries, d => Assert.Equal((DeliveryStatus.Sent, 1), (d.Status, d.Attempts)));
        Assert.Equal("es", stored.Deliveries.Single(d => d.RecipientUnionId == spanish.Id).Language);
        await worker.DispatchOutboxAsync();
        Assert.True(await worker.Bus.WasPublishedAsync<MessageDelivered>(m => m.Context.Message.MessageId == message.Id && m.Context.Message.Sent == 2));
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port; // nothing listens there once stopped
    }

    [Fact]
    public async Task An_unreachable_mail_server_defers_the_deliveries_with_their_next_attempt_in_the_database()
    {
        await using var worker = await StartAsync(ClosedPort());
        var (message, _, _) = await ApprovedAsync();
        var before = DateTime.UtcNow;

        await worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));

        Assert.False(await worker.Bus.WasConsumedAsync<MessageApproved>(m => m.Exception is not null, seconds: 1));
        await using var db = _database.Open();
        var stored = await db.Messages.Include(m => m.Deliveries).SingleAsync(m => m.Id == message.Id);
        Assert.Equal(MessageStatus.Approved, stored.Status);
        Assert.Equal(2, stored.Deliveries.Count);
        Assert.All(stored.Deliveries, d =>
        {
            Assert.Equal((DeliveryStatus.Deferred, 1), (d.Status, d.Attempts));
            Assert.False(string.IsNullOrEmpty(d.Detail));
            Assert.InRange(d.NextAttemptAt!.Value, before.AddSeconds(59), DateTime.UtcNow.AddSeconds(61));
        });
    }

    [Fact]
    public async Task A_deferred_delivery_is_sent_when_it_is_due_and_the_server_is_back()
    {
        var (message, spanish, _) = await ApprovedAsync();
        await using (var down = await StartAsync(ClosedPort()))
            await down.ConsumeAsync(new MessageApproved(message.Id, "rules"));
        await using (var db = _database.Open())
            await db.Deliveries.Where(d => d.MessageId == message.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, DateTime.UtcNow.AddSeconds(-1)));

        // A new worker (a restart): the schedule is in the database, not in the process that failed.
        await using var worker = await StartAsync(LocalServices.SmtpPort);
        var scheduler = worker.Services.GetRequiredService<DeferredDeliveryScheduler>();
        Assert.Equal(1, await scheduler.RetryDueAsync(CancellationToken.None));

        Assert.Single(await Maildev.WaitForAsync(spanish.Email));
        await using var check = _database.Open();
        var stored = await check.Messages.Include(m => m.Deliveries).SingleAsync(m => m.Id == message.Id);
        Assert.True(stored.Status == MessageStatus.Delivered, string.Join("; ", stored.Deliveries.Select(d => $"{d.Status} {d.Attempts} {d.NextAttemptAt:o} {d.Detail}")));
        Assert.All(stored.Deliveries, d => Assert.Equal((DeliveryStatus.Sent, 2, (DateTime?)null), (d.Status, d.Attempts, d.NextAttemptAt)));
        Assert.Equal(0, await scheduler.RetryDueAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_delivery_failing_for_longer_than_allowed_is_given_up_and_says_why()
    {
        var (message, _, _) = await ApprovedAsync();
        await using (var down = await StartAsync(ClosedPort()))
        {
            await down.ConsumeAsync(new MessageApproved(message.Id, "rules"));
            await using (var db = _database.Open())
                await db.Deliveries.Where(d => d.MessageId == message.Id).ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.FirstAttemptAt, DateTime.UtcNow.AddDays(-4))
                    .SetProperty(d => d.NextAttemptAt, DateTime.UtcNow.AddSeconds(-1)));
            await down.Services.GetRequiredService<DeferredDeliveryScheduler>().RetryDueAsync(CancellationToken.None);
        }

        await using var check = _database.Open();
        var stored = await check.Messages.Include(m => m.Deliveries).SingleAsync(m => m.Id == message.Id);
        Assert.Equal(MessageStatus.Failed, stored.Status);
        Assert.All(stored.Deliveries, d =>
        {
            Assert.Equal(DeliveryStatus.Failed, d.Status);
            Assert.StartsWith("gave up after 2 attempts over 3 days", d.Detail);
        });
    }

    [Fact]
    public async Task The_sender_is_told_once_who_received_the_message_and_who_did_not_and_why()
    {
        await using var worker = await StartAsync(LocalServices.SmtpPort);
        var (message, spanish, english) = await ApprovedAsync();
        await using (var db = _database.Open())
            await db.Unions.Where(u => u.Id == english.Id).ExecuteUpdateAsync(s => s
                .SetProperty(u => u.SuppressedAt, DateTime.UtcNow).SetProperty(u => u.SuppressedReason, "opted out on 2026-11-20"));

        await worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));
        await worker.DispatchOutboxAsync();

        await using var check = _database.Open();
        var sender = await check.Unions.SingleAsync(u => u.Id == message.SenderUnionId);
        var summary = Assert.Single(await Maildev.WaitForAsync(sender.Email));
        Assert.Equal($"Delivered to 1 of 2: {message.Title}", summary.GetProperty("subject").GetString());
        var text = await Maildev.SourceAsync(summary);
        Assert.Contains("- Sintracarbón, in Spanish,", text);
        Assert.Contains("- Miners' Union of India: no longer receives messages (opted out on 2026-11-20)", text);
        Assert.Empty(await Maildev.EmailsToAsync(english.Email));
        Assert.NotNull((await check.Messages.SingleAsync(m => m.Id == message.Id)).SummarySentAt);

        await worker.ConsumeAsync(new MessageDelivered(message.Id, 1, 1)); // redelivered
        Assert.Single(await Maildev.EmailsToAsync(sender.Email));
        Assert.Single(await Maildev.EmailsToAsync(spanish.Email));
    }

    [Fact]
    public async Task A_summary_whose_worker_died_mid_send_is_sent_once_its_claim_runs_out_and_never_while_another_holds_it()
    {
        await using var worker = await StartAsync(LocalServices.SmtpPort);
        var (message, _, _) = await ApprovedAsync();
        await worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));
        await worker.DispatchOutboxAsync();
        await using var db = _database.Open();
        var sender = await db.Unions.SingleAsync(u => u.Id == message.SenderUnionId);
        Assert.Single(await Maildev.WaitForAsync(sender.Email));
        var mail = worker.Services.GetRequiredService<OnceOnlyMail>();
        var compose = () => new MimeKit.MimeMessage([MimeKit.MailboxAddress.Parse("relay@relay.test")], [MimeKit.MailboxAddress.Parse(sender.Email)],
            "Summary again", new MimeKit.TextPart("plain") { Text = "again" });

        // Sent: nothing more.
        Assert.False(await mail.SendToSenderAsync(db, message.Id, compose, CancellationToken.None));

        // Claimed by a worker that is still sending: this attempt waits rather than send it too.
        var live = DateTime.UtcNow.AddMinutes(1);
        await db.Messages.Where(m => m.Id == message.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.SummarySentAt, (DateTime?)null).SetProperty(m => m.SummaryClaimedUntil, live));
        await Assert.ThrowsAsync<Relay.ServiceDefaults.PassingFaultException>(() => mail.SendToSenderAsync(db, message.Id, compose, CancellationToken.None));
        Assert.Single(await Maildev.EmailsToAsync(sender.Email));

        // Claimed by a worker that died before recording the send: once the claim has run out, this attempt sends it.
        await db.Messages.Where(m => m.Id == message.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.SummaryClaimedUntil, DateTime.UtcNow.AddSeconds(-1)));
        Assert.True(await mail.SendToSenderAsync(db, message.Id, compose, CancellationToken.None));
        Assert.Equal(2, (await Maildev.WaitForAsync(sender.Email, count: 2)).Count);
        var settled = await db.Messages.AsNoTracking().SingleAsync(m => m.Id == message.Id);
        Assert.NotNull(settled.SummarySentAt);
        Assert.Null(settled.SummaryClaimedUntil);
    }

    [Fact]
    public async Task A_domain_over_its_rate_limit_waits_for_the_next_minute_without_counting_an_attempt()
    {
        await using var worker = await StartAsync(LocalServices.SmtpPort, perDomainPerMinute: 1);
        var (message, _, _) = await ApprovedAsync(); // both recipients are on one domain

        await worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));

        await using var db = _database.Open();
        var deliveries = await db.Deliveries.Where(d => d.MessageId == message.Id).ToListAsync();
        Assert.Single(deliveries, d => d.Status == DeliveryStatus.Sent);
        var waiting = Assert.Single(deliveries, d => d.Status == DeliveryStatus.Pending);
        Assert.Equal(0, waiting.Attempts);
        Assert.InRange(waiting.NextAttemptAt!.Value, DateTime.UtcNow, DateTime.UtcNow.AddSeconds(61));
        Assert.Equal(MessageStatus.Approved, (await db.Messages.SingleAsync(m => m.Id == message.Id)).Status);
    }

    [Fact]
    public async Task A_campaign_to_many_unions_goes_out_once_to_each_even_with_two_workers_racing_over_it()
    {
        await using var worker = await StartAsync(LocalServices.SmtpPort, perDomainPerMinute: 0);
        SolidarityMessage message;
        List<Union> unions;
        await using (var setup = _database.Open())
        {
            var sender = await setup.AddUnionAsync("International Miners' Coordination", "en");
            unions = [];
            for (var i = 0; i < 11; i++)
                unions.Add(await setup.AddUnionAsync($"Sindicato {i}", i % 2 == 0 ? "es" : "en"));
            message = await setup.AddMessageAsync(sender, unions, MessageStatus.Approved);
            await setup.AddTranslationAsync(message, "es", "Carta de solidaridad a los mineros", "Queridos colegas, toda nuestra solidaridad.");
        }

        // Two workers on the same message at once, each retrying as the endpoint does when the
        // other created the deliveries first (a unique key on the delivery).
        async Task WorkerAsync()
        {
            for (var attempt = 1; ; attempt++)
            {
                await using var scope = worker.Services.CreateAsyncScope();
                try
                {
                    await scope.ServiceProvider.GetRequiredService<DeliveryStage>().RunAsync(message.Id, CancellationToken.None);
                    return;
                }
                catch (DbUpdateException) when (attempt < 3) { }
            }
        }
        await Task.WhenAll(WorkerAsync(), WorkerAsync());

        foreach (var union in unions)
            Assert.Single(await Maildev.WaitForAsync(union.Email));
        await using var db = _database.Open();
        var stored = await db.Messages.Include(m => m.Deliveries).SingleAsync(m => m.Id == message.Id);
        Assert.Equal(MessageStatus.Delivered, stored.Status);
        Assert.Equal(unions.Count, stored.Deliveries.Count);
        Assert.All(stored.Deliveries, d => Assert.Equal((DeliveryStatus.Sent, 1), (d.Status, d.Attempts)));
        // Every email is out once the run has returned; none came late.
        await Task.Delay(300);
        foreach (var union in unions)
            Assert.Single(await Maildev.EmailsToAsync(union.Email));
    }

    /// <summary>Approved messages to one union each (a union of its own), as most of Relay's messages are.</summary>
    private async Task<List<(SolidarityMessage Message, Union Recipient)>> ToOneUnionEachAsync(int count)
    {
        await using var db = _database.Open();
        var sender = await db.AddUnionAsync("International Miners' Coordination", "en");
        var messages = new List<(SolidarityMessage, Union)>();
        for (var i = 0; i < count; i++)
        {
            var recipient = await db.AddUnionAsync($"Sindicato {i}", "es");
            messages.Add((await db.AddMessageAsync(sender, [recipient], MessageStatus.Approved), recipient));
        }
        return messages;
    }

    private async Task<int> MessageDeliveredEventsAsync(Guid messageId)
    {
        await using var db = _database.Open();
        var events = await db.Outbox.Where(e => e.EventType == typeof(MessageDelivered).FullName).Select(e => e.Payload).ToListAsync();
        return events.Count(e => e.Contains(messageId.ToString(), StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_batch_of_messages_is_delivered_once_each_even_with_an_event_twice_in_it_and_a_replay_sends_nothing_more()
    {
        var messages = await ToOneUnionEachAsync(4);
        // Five events, one of them twice (a replay arriving in the same batch): a batch of five.
        await using var worker = await StartAsync(LocalServices.SmtpPort, perDomainPerMinute: 0, batchSize: 5, batchWait: "00:00:05");
        var events = messages.Select(m => new MessageApproved(m.Message.Id, "rules")).Append(new MessageApproved(messages[0].Message.Id, "rules")).ToList();

        await worker.ConsumeTogetherAsync(events);

        var batches = await worker.Bus.GetConsumerHarness<DeliverMessageConsumer>().Consumed.Recorded<Batch<MessageApproved>>();
        Assert.Equal(5, Assert.Single(batches).Context.Message.Length);
        Assert.DoesNotContain(await worker.Bus.Consumed.Recorded<MessageApproved>(), m => m.Exception is not null);
        foreach (var (_, recipient) in messages)
            Assert.Single(await Maildev.WaitForAsync(recipient.Email));
        await using (var db = _database.Open())
        {
            var ids = messages.Select(m => m.Message.Id).ToList();
            var stored = await db.Messages.Include(m => m.Deliveries).Where(m => ids.Contains(m.Id)).ToListAsync();
            Assert.All(stored, m =>
            {
                Assert.Equal(MessageStatus.Delivered, m.Status);
                Assert.Equal((DeliveryStatus.Sent, 1), (Assert.Single(m.Deliveries).Status, m.Deliveries[0].Attempts));
            });
        }
        foreach (var (message, _) in messages)
            Assert.Equal(1, await MessageDeliveredEventsAsync(message.Id));

        // The whole batch again (a redelivery after a lost acknowledgement): nothing more goes out.
        await worker.ConsumeTogetherAsync(events);
        await Task.Delay(300);
        foreach (var (message, recipient) in messages)
        {
            Assert.Single(await Maildev.EmailsToAsync(recipient.Email));
            Assert.Equal(1, await MessageDeliveredEventsAsync(message.Id));
        }
        await worker.DispatchOutboxAsync();
        foreach (var (message, _) in messages)
            Assert.True(await worker.Bus.WasPublishedAsync<MessageDelivered>(m => m.Context.Message.MessageId == message.Id && m.Context.Message.Sent == 1));
    }

    [Fact]
    public async Task A_batch_waits_from_its_latest_message_so_a_letter_alone_is_not_held_for_a_whole_window()
    {
        // BatchWait 2 s, events 1.5 s apart: a window from the first event would close at 2 s, between
        // the second and the third, and deliver two batches; a wait from the latest event takes all three.
        var messages = await ToOneUnionEachAsync(3);
        await using var worker = await StartAsync(LocalServices.SmtpPort, perDomainPerMinute: 0, batchSize: 5, batchWait: "00:00:02");

        foreach (var (message, _) in messages)
        {
            await worker.Bus.Bus.Publish(new MessageApproved(message.Id, "rules"));
            await Task.Delay(1500);
        }
        foreach (var (_, recipient) in messages)
            Assert.Single(await Maildev.WaitForAsync(recipient.Email));

        var batches = await worker.Bus.GetConsumerHarness<DeliverMessageConsumer>().Consumed.Recorded<Batch<MessageApproved>>();
        Assert.Equal(3, Assert.Single(batches).Context.Message.Length);
    }

    [Fact]
    public async Task A_batch_naming_a_message_that_is_not_in_the_database_delivers_the_others_then_fails_naming_it()
    {
        var messages = await ToOneUnionEachAsync(2);
        var unknown = Guid.NewGuid();
        await using var worker = await StartAsync(LocalServices.SmtpPort, perDomainPerMinute: 0, batchSize: 3, batchWait: "00:00:05");

        var ids = await worker.ConsumeTogetherAsync(messages.Select(m => new MessageApproved(m.Message.Id, "rules"))
            .Append(new MessageApproved(unknown, "rules")));

        // The batch failed as a whole, so each of its events did (in the service, after the endpoint's
        // retries, they go to the _error queue together), with an exception naming the missing message.
        var consumed = (await worker.Bus.Consumed.Recorded<MessageApproved>()).Where(m => ids.Contains(m.Context.MessageId!.Value)).ToList();
        Assert.Equal(3, consumed.Count);
        Assert.All(consumed, m => Assert.Contains(unknown.ToString(), m.Exception?.Message));
        foreach (var (_, recipient) in messages)
            Assert.Single(await Maildev.WaitForAsync(recipient.Email));
        await using var db = _database.Open();
        var known = messages.Select(m => m.Message.Id).ToList();
        Assert.All(await db.Messages.Where(m => known.Contains(m.Id)).ToListAsync(), m => Assert.Equal(MessageStatus.Delivered, m.Status));
    }

    [Fact]
    public async Task Two_workers_racing_over_the_same_batch_send_each_email_once_and_settle_each_message_once()
    {
        await using var worker = await StartAsync(LocalServices.SmtpPort, perDomainPerMinute: 0);
        var messages = await ToOneUnionEachAsync(6);
        var ids = messages.Select(m => m.Message.Id).ToList();

        // As the campaign test above: the one that loses the race to create the deliveries retries, as
        // the endpoint would; the one that settles second finds the messages settled already.
        async Task WorkerAsync()
        {
            for (var attempt = 1; ; attempt++)
            {
                await using var scope = worker.Services.CreateAsyncScope();
                try
                {
                    await scope.ServiceProvider.GetRequiredService<DeliveryStage>().RunAsync(ids, CancellationToken.None);
                    return;
                }
                catch (DbUpdateException) when (attempt < 3) { }
            }
        }
        await Task.WhenAll(WorkerAsync(), WorkerAsync());

        await using var db = _database.Open();
        var stored = await db.Messages.Include(m => m.Deliveries).Where(m => ids.Contains(m.Id)).ToListAsync();
        Assert.All(stored, m =>
        {
            Assert.Equal(MessageStatus.Delivered, m.Status);
            Assert.Equal((DeliveryStatus.Sent, 1), (Assert.Single(m.Deliveries).Status, m.Deliveries[0].Attempts));
        });
        await Task.Delay(300);
        foreach (var (message, recipient) in messages)
        {
            Assert.Single(await Maildev.EmailsToAsync(recipient.Email));
            Assert.Equal(1, await MessageDeliveredEventsAsync(message.Id));
        }
    }
}
