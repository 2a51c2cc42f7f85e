using MassTransit;
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

    private Task<WorkerHarness> StartAsync(int smtpPort) => WorkerHarness.StartAsync(_database,
        bus => bus.AddConsumer<DeliverMessageConsumer>(), (services, _) => services.AddEmailDelivery(),
        new() { ["Smtp:Port"] = smtpPort.ToString(), ["Smtp:Host"] = "127.0.0.1" });

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

    [Fact]
    public async Task An_unreachable_mail_server_leaves_the_deliveries_deferred_and_visible()
    {
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there now
        await using var worker = await StartAsync(port);
        var (message, _, _) = await ApprovedAsync();

        await worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));

        Assert.True(await worker.Bus.WasConsumedAsync<MessageApproved>(m => m.Exception is DeliveryDeferredException));
        await using var db = _database.Open();
        var stored = await db.Messages.Include(m => m.Deliveries).SingleAsync(m => m.Id == message.Id);
        Assert.Equal(MessageStatus.Approved, stored.Status);
        Assert.Equal(2, stored.Deliveries.Count);
        Assert.All(stored.Deliveries, d =>
        {
            Assert.Equal(DeliveryStatus.Deferred, d.Status);
            Assert.False(string.IsNullOrEmpty(d.Detail));
        });
    }
}
