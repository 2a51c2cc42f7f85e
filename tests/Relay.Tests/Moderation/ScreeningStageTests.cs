using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Relay.Contracts;
using Relay.Moderation;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Moderation;

public class ScreeningStageTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private WorkerHarness _worker = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _worker = await WorkerHarness.StartAsync(_database, bus => bus.AddConsumer<ScreenMessageConsumer>(), (services, _) =>
        {
            services.AddOptions<ModerationOptions>();
            services.AddScoped<ScreeningStage>();
        });
    }

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        await _database.DisposeAsync();
    }

    private async Task<SolidarityMessage> TranslatedAsync(string spanishBody)
    {
        await using var db = _database.Open();
        var sender = await db.AddUnionAsync("Sender", "en");
        var recipient = await db.AddUnionAsync("Recipient", "es");
        var message = await db.AddMessageAsync(sender, [recipient], MessageStatus.Translated);
        await db.AddTranslationAsync(message, "es", "Carta", spanishBody);
        return message;
    }

    [Fact]
    public async Task A_clean_letter_is_approved_once_even_if_the_event_comes_twice()
    {
        var message = await TranslatedAsync("Queridos colegas, toda nuestra solidaridad.");
        var translated = new MessageTranslated(message.Id, "en", ["es"]);

        await _worker.ConsumeAsync(translated);
        await _worker.ConsumeAsync(translated);

        await using var db = _database.Open();
        var stored = await db.Messages.SingleAsync(m => m.Id == message.Id);
        Assert.Equal((MessageStatus.Approved, "approve", "rules"), (stored.Status, stored.ModerationDecision, stored.DecidedBy));
        Assert.Equal(1, await _worker.DispatchOutboxAsync());
        Assert.True(await _worker.Bus.WasPublishedAsync<MessageApproved>(m => m.Context.Message.MessageId == message.Id));
    }

    [Fact]
    public async Task Script_in_a_translation_holds_the_message_with_the_reason()
    {
        var message = await TranslatedAsync("Hola <script>alert(1)</script>");

        await _worker.ConsumeAsync(new MessageTranslated(message.Id, "en", ["es"]));

        await using var db = _database.Open();
        var stored = await db.Messages.SingleAsync(m => m.Id == message.Id);
        Assert.Equal(MessageStatus.Held, stored.Status);
        Assert.StartsWith("script:", Assert.Single(stored.ModerationReasons));
        await _worker.DispatchOutboxAsync();
        Assert.True(await _worker.Bus.WasPublishedAsync<MessageHeld>(m => m.Context.Message.MessageId == message.Id));
        Assert.DoesNotContain(await _worker.Bus.Published.Recorded<MessageApproved>(), m => m.Context.Message.MessageId == message.Id);
    }
}
