using MassTransit;
using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Storage;
using Relay.Tests.Support;
using Relay.Translation;

namespace Relay.Tests.Translation;

/// <summary>The translation consumer on the test harness, translating through the real Apertium APY.</summary>
public class TranslationStageTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private WorkerHarness _worker = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _worker = await WorkerHarness.StartAsync(_database,
            bus => bus.AddConsumer<TranslateMessageConsumer>(),
            (services, _) => services.AddTranslation(),
            new() { ["Apertium:Url"] = LocalServices.ApertiumUrl });
    }

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task A_message_is_translated_once_per_language_not_per_recipient_and_a_replay_changes_nothing()
    {
        SolidarityMessage message;
        await using (var db = _database.Open())
        {
            var sender = await db.AddUnionAsync("International Miners' Coordination", "en");
            var recipients = new[] { await db.AddUnionAsync("Sintracarbón", "es"), await db.AddUnionAsync("Sindicato Minero", "es"), await db.AddUnionAsync("CCOO Catalunya", "ca", "es") };
            message = await db.AddMessageAsync(sender, recipients);
        }
        var submitted = new MessageSubmitted(message.Id, message.SenderUnionId, [], "en", DateTime.UtcNow);

        await _worker.ConsumeAsync(submitted);
        await _worker.ConsumeAsync(submitted);

        await using (var db = _database.Open())
        {
            var stored = await db.Messages.Include(m => m.Translations).SingleAsync(m => m.Id == message.Id);
            Assert.Equal(MessageStatus.Translated, stored.Status);
            Assert.Equal(new[] { "ca", "es" }, stored.Translations.Select(t => t.Language).Order());
            var spanish = stored.Translations.Single(t => t.Language == "es");
            Assert.Equal((TranslationOrigin.Machine, "apertium"), (spanish.Origin, spanish.Provider));
            Assert.Contains("solidaridad", spanish.Body);
            Assert.Equal(message.Body.Split("\n\n").Length, spanish.Body.Split("\n\n").Length);
            Assert.Equal(1, await db.Outbox.CountAsync(o => o.EventType == typeof(MessageTranslated).FullName));
        }
        Assert.Equal(1, await _worker.DispatchOutboxAsync());
        Assert.True(await _worker.Bus.WasPublishedAsync<MessageTranslated>(m => m.Context.Message.MessageId == message.Id));
    }

    [Fact]
    public async Task The_language_is_detected_when_the_sender_gives_none()
    {
        SolidarityMessage message;
        await using (var db = _database.Open())
        {
            var sender = await db.AddUnionAsync("Sintracarbón", "es");
            var recipient = await db.AddUnionAsync("Miners' Coordination", "en");
            message = await db.AddMessageAsync(sender, [recipient], language: null, letter: new SeedLetter("Carta de solidaridad",
                "Queridos colegas, hemos sabido que están en huelga desde el lunes. A pesar de la crisis, están librando una lucha valiente por los derechos, la vida, la dignidad y la salud de los trabajadores. Tienen toda nuestra solidaridad."));
        }

        await _worker.ConsumeAsync(new MessageSubmitted(message.Id, message.SenderUnionId, [], null, DateTime.UtcNow));

        await using var check = _database.Open();
        var stored = await check.Messages.Include(m => m.Translations).SingleAsync(m => m.Id == message.Id);
        Assert.Equal(("es", true), (stored.Language, stored.LanguageDetected));
        Assert.Equal("en", Assert.Single(stored.Translations).Language);
    }

    [Fact]
    public async Task A_language_no_provider_covers_waits_for_a_human_and_goes_on_when_one_is_supplied()
    {
        SolidarityMessage message;
        await using (var db = _database.Open())
        {
            var sender = await db.AddUnionAsync("International Miners' Coordination", "en");
            var recipient = await db.AddUnionAsync("Zakhyst Pratsi", "uk");
            message = await db.AddMessageAsync(sender, [recipient]);
        }

        await _worker.ConsumeAsync(new MessageSubmitted(message.Id, message.SenderUnionId, [], "en", DateTime.UtcNow));
        await using (var db = _database.Open())
        {
            Assert.Equal(MessageStatus.AwaitingTranslation, (await db.Messages.SingleAsync(m => m.Id == message.Id)).Status);
            Assert.Equal(1, await db.Outbox.CountAsync(o => o.EventType == typeof(MessageAwaitingTranslation).FullName && o.Payload.Contains("uk")));
            db.Translations.Add(new Relay.Storage.Translation { MessageId = message.Id, Language = "uk", Title = "Лист", Body = "Ми з вами.", Origin = TranslationOrigin.Human, Provider = "coordinator" });
            await db.SaveChangesAsync();
        }

        await _worker.ConsumeAsync(new TranslationSupplied(message.Id, "uk"));

        await using var check = _database.Open();
        Assert.Equal(MessageStatus.Translated, (await check.Messages.SingleAsync(m => m.Id == message.Id)).Status);
    }
}
