using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Storage;
using Relay.Tests.Support;
using Relay.Translation;

namespace Relay.Tests.Translation.Contracts;

/// <summary>
/// The translation stage choosing among providers: the real APY beside local servers that replay
/// Azure's and LibreTranslate's documented answers.
/// </summary>
public class StageProviderContractTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private FakeProviderServer _azure = null!;
    private FakeProviderServer _libre = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _azure = await FakeProviderServer.StartAsync(Azure);
        _libre = await FakeProviderServer.StartAsync(Libre);
    }

    public async Task DisposeAsync()
    {
        await _azure.DisposeAsync();
        await _libre.DisposeAsync();
        await _database.DisposeAsync();
    }

    private static FakeAnswer Azure(RecordedRequest request)
    {
        if (request.Path.EndsWith("/languages", StringComparison.Ordinal))
            return FakeAnswer.Ok(new { translation = new Dictionary<string, object> { ["en"] = new { }, ["es"] = new { }, ["uk"] = new { }, ["de"] = new { } } });
        var targets = request.QueryValues("to");
        return FakeAnswer.Ok(request.Json.EnumerateArray().Select(item => new
        {
            translations = targets.Select(to => new { text = $"[{to}] {item.GetProperty("Text").GetString()}", to }),
        }));
    }

    private static FakeAnswer Libre(RecordedRequest request)
    {
        if (request.Path == "/languages")
            return FakeAnswer.Ok(new[] { new { code = "en", name = "English", targets = new[] { "es", "uk" } } });
        var target = request.Json.GetProperty("target").GetString();
        return FakeAnswer.Ok(new { translatedText = request.Json.GetProperty("q").EnumerateArray().Select(t => $"[{target}] {t.GetString()}") });
    }

    private Task<WorkerHarness> WorkerAsync(string providers) => WorkerHarness.StartAsync(_database,
        bus => bus.AddConsumer<TranslateMessageConsumer>(),
        (services, configuration) => services.AddTranslation(configuration),
        new(ProviderHost.FastRetries("Azure").Concat(ProviderHost.FastRetries("LibreTranslate")))
        {
            ["Apertium:Url"] = LocalServices.ApertiumUrl,
            ["Azure:Endpoint"] = _azure.Url,
            ["Azure:Key"] = "azure-test-key",
            ["Azure:Region"] = "westeurope",
            ["LibreTranslate:Url"] = _libre.Url,
            ["Translation:Providers"] = providers,
        });

    private async Task<SolidarityMessage> TranslateAsync(WorkerHarness worker, params string[] recipientLanguages)
    {
        SolidarityMessage message;
        await using (var db = _database.Open())
        {
            var sender = await db.AddUnionAsync("Sender", "en");
            var recipients = new List<Union>();
            foreach (var language in recipientLanguages)
                recipients.Add(await db.AddUnionAsync("Union " + language, language));
            message = await db.AddMessageAsync(sender, recipients, letter: new SeedLetter("Solidarity " + Guid.NewGuid().ToString("N")[..6], Seeds.Cerrejon.Body));
        }
        await worker.ConsumeAsync(new MessageSubmitted(message.Id, message.SenderUnionId, [], "en", DateTime.UtcNow));
        await using var check = _database.Open();
        return await check.Messages.Include(m => m.Translations).AsNoTracking().SingleAsync(m => m.Id == message.Id);
    }

    [Fact]
    public async Task Every_target_language_of_a_message_goes_to_azure_in_one_request()
    {
        await using var worker = await WorkerAsync("azure,apertium");

        var message = await TranslateAsync(worker, "es", "uk", "de", "uk");

        Assert.Equal(new[] { "de", "es", "uk" }, message.Translations.Select(t => t.Language).Order());
        Assert.All(message.Translations, t => Assert.Equal("azure", t.Provider));
        var request = Assert.Single(_azure.RequestsTo("/translate"));
        Assert.Equal(new[] { "de", "es", "uk" }, request.QueryValues("to").Order());
        Assert.Equal(2, request.Json.GetArrayLength()); // title and body
    }

    [Fact]
    public async Task A_pair_only_one_provider_has_is_served_by_it_and_apertium_keeps_its_own()
    {
        await using var worker = await WorkerAsync("apertium,libretranslate");

        var message = await TranslateAsync(worker, "es", "uk");

        Assert.Equal("apertium", message.Translations.Single(t => t.Language == "es").Provider);
        var ukrainian = message.Translations.Single(t => t.Language == "uk");
        Assert.Equal("libretranslate", ukrainian.Provider);
        Assert.StartsWith("[uk] ", ukrainian.Body);
    }

    [Fact]
    public async Task A_throttling_provider_is_retried_then_the_next_provider_takes_the_pair()
    {
        await using var worker = await WorkerAsync("libretranslate,apertium");
        for (var i = 0; i < 8; i++)
            _libre.AnswerNext("/translate", 429, """{"error":"Slowdown: too many requests"}""", retryAfter: "0");

        var message = await TranslateAsync(worker, "es");

        var spanish = Assert.Single(message.Translations);
        Assert.Equal("apertium", spanish.Provider);
        Assert.Contains("solidaridad", spanish.Body);
        Assert.True(_libre.RequestsTo("/translate").Count >= 2, "LibreTranslate was not retried");
        Assert.Contains(message.TranslationNotes, n => n.StartsWith("es: en>es (libretranslate) failed", StringComparison.Ordinal));
        Assert.Equal(MessageStatus.Translated, message.Status);
    }
}
