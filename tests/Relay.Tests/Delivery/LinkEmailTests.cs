using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Delivery;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Delivery;

/// <summary>The confirmation link to a supporter and the sign-in link to a union go out once, to the right address, through maildev.</summary>
public partial class LinkEmailTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();
    public async Task DisposeAsync() => await _database.DisposeAsync();

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex Link();

    private Task<WorkerHarness> StartAsync() => WorkerHarness.StartAsync(_database, bus =>
        {
            bus.AddConsumer<ConfirmationRequestedConsumer>();
            bus.AddConsumer<SignInLinkRequestedConsumer>();
        },
        (services, _) => services.AddEmailDelivery(),
        new() { ["Smtp:Port"] = LocalServices.SmtpPort.ToString(), ["Smtp:Host"] = "127.0.0.1", ["Delivery:ScanInterval"] = "01:00:00", ["Mail:PublicBaseUrl"] = "https://relay.example.org" });

    [Fact]
    public async Task A_supporter_gets_one_confirmation_link_in_the_language_they_wrote_in_even_when_the_event_comes_twice()
    {
        await using var worker = await StartAsync();
        var address = $"ana.{Guid.NewGuid():N}@example.org";
        SolidarityMessage message;
        await using (var db = _database.Open())
        {
            var recipient = await db.AddUnionAsync("Sintracarbón", "es");
            message = new SolidarityMessage
            {
                Id = Guid.NewGuid(), Title = Seeds.Cerrejon.Title, Body = Seeds.Cerrejon.Body, Language = "es", Status = MessageStatus.AwaitingConfirmation,
                Supporter = new Supporter { Id = Guid.NewGuid(), Name = "Ana Souza", Organisation = "Comité", Email = address, CreatedAt = DateTime.UtcNow },
                Channel = MessageChannel.SupporterForm, ConfirmationAddress = address, ReceivedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
                Recipients = [new MessageRecipient { UnionId = recipient.Id }],
            };
            db.Messages.Add(message);
            await db.SaveChangesAsync();
        }

        await worker.ConsumeAsync(new ConfirmationRequested(message.Id));
        await worker.ConsumeAsync(new ConfirmationRequested(message.Id));

        var email = Assert.Single(await Maildev.WaitForAsync(address));
        Assert.StartsWith("Confirme su mensaje: ", email.GetProperty("subject").GetString());
        var text = email.GetProperty("text").GetString()!;
        Assert.Contains("- Sintracarbón", text);
        var link = Link().Match(text).Value;
        Assert.StartsWith("https://relay.example.org/confirm/", link);
        Assert.True(TestSecrets.ConfirmationLinks.TryRead(link.Split('/')[^1], out var named));
        Assert.Equal(message.Id, named);
        await Task.Delay(300);
        Assert.Single(await Maildev.EmailsToAsync(address));
        await using var check = _database.Open();
        Assert.NotNull((await check.Messages.SingleAsync(m => m.Id == message.Id)).ConfirmationSentAt);
    }

    [Fact]
    public async Task Each_sign_in_link_goes_once_to_the_unions_registered_address_and_an_older_one_arriving_late_is_not_sent()
    {
        await using var worker = await StartAsync();
        Union union;
        await using (var db = _database.Open())
            union = await db.AddUnionAsync("Sindicato Mineiro", "pt");
        var issued = DateTime.UtcNow;

        await worker.ConsumeAsync(new SignInLinkRequested(union.Id, issued));
        await worker.ConsumeAsync(new SignInLinkRequested(union.Id, issued));
        await worker.ConsumeAsync(new SignInLinkRequested(union.Id, issued.AddSeconds(-30)));

        var email = Assert.Single(await Maildev.WaitForAsync(union.Email));
        Assert.Equal("A sua ligação de acesso", email.GetProperty("subject").GetString());
        var link = Link().Match(email.GetProperty("text").GetString()!).Value;
        Assert.True(TestSecrets.SignInLinks.TryRead(link.Split('/')[^1], out var named, out var at));
        Assert.Equal((union.Id, issued), (named, at));
        await Task.Delay(300);
        Assert.Single(await Maildev.EmailsToAsync(union.Email));
    }
}
