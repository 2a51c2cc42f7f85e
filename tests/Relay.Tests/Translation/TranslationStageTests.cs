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
        _worker = await StartWorkerAsync(LocalServices.ApertiumUrl);
    }

    private Task<WorkerHarness> StartWorkerAsync(string apertiumUrl) => WorkerHarness.StartAsync(_database,
        bus => bus.AddConsumer<TranslateMessageConsumer>(),
        (services, configuration) => services.AddTranslation(configuration),
        new() { ["Apertium:Url"] = apertiumUrl });

    private async Task<SolidarityMessage> MessageAsync(string? language, SeedLetter letter, params string[][] recipientLanguages)
    {
        await using var db = _database.Open();
        var sender = await db.AddUnionAsync("Sender", language ?? "en");
        var recipients = new List<Union>();
        foreach (var languages in recipientLanguages)
            recipients.Add(await db.AddUnionAsync("Union " + recipients.Count, languages));
        return await db.AddMessageAsync(sender, recipients, language: language, letter: letter);
    }

    private async Task<SolidarityMessage> TranslateAsync(SolidarityMessage message, WorkerHarness? worker = null)
    {
        await (worker ?? _worker).ConsumeAsync(new MessageSubmitted(message.Id, message.SenderUnionId, [], message.Language, DateTime.UtcNow));
        await using var db = _database.Open();
        return await db.Messages.Include(m => m.Translations).AsNoTracking().SingleAsync(m => m.Id == message.Id);
    }

    private static readonly SeedLetter French = new("Lettre de solidarité",
        "Chers collègues, nous avons appris que vous êtes en grève depuis lundi. Malgré la crise, vous menez une lutte courageuse pour vos droits. Vous avez toute notre solidarité.");

    [Fact]
    public async Task N_recipients_in_L_languages_give_exactly_L_translations()
    {
        var message = await MessageAsync("en", Seeds.Cerrejon, ["es"], ["es"], ["es"], ["ca"], ["ca"], ["pt"]);

        var stored = await TranslateAsync(message);

        Assert.Equal(MessageStatus.Translated, stored.Status);
        Assert.Equal(new[] { "ca", "es", "pt" }, stored.Translations.Select(t => t.Language).Order());
    }

    [Fact]
    public async Task A_pair_no_provider_has_goes_through_a_pivot_and_says_so()
    {
        var message = await MessageAsync("fr", French, ["pt"]);

        var portuguese = Assert.Single((await TranslateAsync(message)).Translations);

        Assert.Equal(("pt", "fr>es>pt", "apertium"), (portuguese.Language, portuguese.Path, portuguese.Provider));
        Assert.Contains("solidariedade", portuguese.Body);
    }

    [Fact]
    public async Task The_same_text_is_never_sent_to_a_provider_twice()
    {
        var letter = new SeedLetter("Cache " + Guid.NewGuid().ToString("N")[..6], Seeds.Letters[3].Body);
        var first = await TranslateAsync(await MessageAsync("en", letter, ["es"]));
        long Characters() { using var db = _database.Open(); return db.ProviderUsage.Where(u => u.Provider == "apertium").Sum(u => u.Characters); }
        var sent = Characters();

        var second = await TranslateAsync(await MessageAsync("en", letter, ["es"]));

        Assert.True(sent >= letter.Body.Length, $"{sent} characters counted for a {letter.Body.Length}-character letter");
        Assert.Equal(sent, Characters());
        Assert.Equal(first.Translations.Single().Body, second.Translations.Single().Body);
    }

    [Fact]
    public async Task Glossary_terms_from_the_database_are_kept_or_rendered()
    {
        await using (var db = _database.Open())
        {
            var term = new GlossaryTerm { Id = Guid.NewGuid(), Term = "Zakhyst Pratsi", CreatedAt = DateTime.UtcNow };
            var coordination = new GlossaryTerm { Id = Guid.NewGuid(), Term = "International Miners' Coordination", CreatedAt = DateTime.UtcNow };
            coordination.Renderings.Add(new GlossaryRendering { TermId = coordination.Id, Language = "es", Text = "Coordinación Internacional Minera" });
            db.Glossary.AddRange(term, coordination);
            await db.SaveChangesAsync();
        }
        var letter = new SeedLetter("Zakhyst Pratsi thanks the International Miners' Coordination",
            "The workers of Zakhyst Pratsi send their greetings to the International Miners' Coordination. Solidarity!");

        var spanish = Assert.Single((await TranslateAsync(await MessageAsync("en", letter, ["es"]))).Translations);

        Assert.StartsWith("Zakhyst Pratsi", spanish.Title);
        Assert.Contains("Coordinación Internacional Minera", spanish.Title);
        Assert.Contains("Zakhyst Pratsi", spanish.Body);
        Assert.Contains("Coordinación Internacional Minera", spanish.Body);
        await using var cleanup = _database.Open();
        await cleanup.Glossary.ExecuteDeleteAsync();
    }

    [Fact]
    public async Task A_stated_language_the_text_is_not_in_is_flagged_for_moderation()
    {
        var spanishLetter = new SeedLetter("Carta de solidaridad", "Queridos colegas, hemos sabido que están en huelga desde el lunes. A pesar de la crisis, están librando una lucha valiente por los derechos de los trabajadores. Tienen toda nuestra solidaridad.");

        var stored = await TranslateAsync(await MessageAsync("en", spanishLetter, ["ca"]));

        Assert.StartsWith("language-mismatch: stated en, but the text reads as es", Assert.Single(stored.LanguageFlags));
    }

    [Fact]
    public async Task When_the_provider_is_down_the_message_waits_visibly_for_a_human()
    {
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var deadUrl = $"http://127.0.0.1:{((System.Net.IPEndPoint)closed.LocalEndpoint).Port}";
        closed.Stop();
        await using var worker = await StartWorkerAsync(deadUrl);

        var stored = await TranslateAsync(await MessageAsync("en", Seeds.Cerrejon, ["es"]), worker);

        Assert.Equal(MessageStatus.AwaitingTranslation, stored.Status);
        Assert.Contains(stored.TranslationNotes, n => n.StartsWith("apertium: APY at " + deadUrl, StringComparison.Ordinal));
        Assert.Contains(stored.TranslationNotes, n => n.StartsWith("es: no provider covers en→es", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sentence_the_provider_breaks_on_leaves_the_message_waiting_with_the_reason()
    {
        var russian = new SeedLetter("Солидарность", "Дорогие коллеги, мы узнали, что вы бастуете с понедельника. Вы имеете нашу полную солидарность.");

        var stored = await TranslateAsync(await MessageAsync("ru", russian, ["be"]));

        Assert.Equal(MessageStatus.AwaitingTranslation, stored.Status);
        Assert.Contains(stored.TranslationNotes, n => n.StartsWith("be: ru>be (apertium) failed: APY answered 503", StringComparison.Ordinal));
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
