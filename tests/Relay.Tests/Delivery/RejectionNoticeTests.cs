using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Delivery;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Delivery;

/// <summary>The sender of a rejected message is told why, once, in its language (through maildev).</summary>
public class RejectionNoticeTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();
    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task The_rules_reasons_reach_the_sender_once_in_spanish_even_when_the_event_comes_twice()
    {
        await using var worker = await WorkerHarness.StartAsync(_database, bus => bus.AddConsumer<RejectionNoticeConsumer>(),
            (services, _) => services.AddEmailDelivery(),
            new() { ["Smtp:Port"] = LocalServices.SmtpPort.ToString(), ["Smtp:Host"] = "127.0.0.1", ["Delivery:ScanInterval"] = "01:00:00" });
        SolidarityMessage message;
        Union sender;
        await using (var db = _database.Open())
        {
            sender = await db.AddUnionAsync("Sintracarbón", "es");
            message = await db.AddMessageAsync(sender, [await db.AddUnionAsync("CUT Brasil", "pt")], MessageStatus.Rejected);
        }
        var rejected = new MessageRejected(message.Id, "script: the es text contains script or active markup; links: 5 links, more than 3", "rules");

        await worker.ConsumeAsync(rejected);
        await worker.ConsumeAsync(rejected);

        var email = Assert.Single(await Maildev.WaitForAsync(sender.Email));
        Assert.Equal($"No enviado: {message.Title}", email.GetProperty("subject").GetString());
        var text = email.GetProperty("text").GetString()!;
        Assert.Contains("- script: the es text contains script or active markup\n- links: 5 links, more than 3", text.Replace("\r\n", "\n"));
        Assert.Contains("comprobaciones automáticas", text);
        await Task.Delay(300);
        Assert.Single(await Maildev.EmailsToAsync(sender.Email));
        await using var check = _database.Open();
        Assert.NotNull((await check.Messages.SingleAsync(m => m.Id == message.Id)).SummarySentAt);
    }

    [Fact]
    public void A_coordinators_reason_is_given_as_written()
    {
        var sender = new Union { Id = Guid.NewGuid(), Name = "CGT", Country = "ES", Languages = ["en"], Email = "cgt@unions.example.org", ApiKeyHash = "" };
        var message = new SolidarityMessage { Id = Guid.NewGuid(), Title = "Letter", Body = "…", Sender = sender };

        var email = RejectionNotice.Compose(message, new MessageRejected(message.Id, "Not a letter of solidarity; please write to the coordinators.", "Ana Weber"), new MailOptions());

        Assert.Equal("Not sent: Letter", email.Subject);
        Assert.Contains("- Not a letter of solidarity; please write to the coordinators.\n", email.TextBody);
        Assert.DoesNotContain("automatic checks", email.TextBody);
        Assert.Equal("cgt@unions.example.org", email.To.Mailboxes.Single().Address);
    }
}
