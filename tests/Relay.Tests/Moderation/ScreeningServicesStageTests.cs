using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Relay.Contracts;
using Relay.Moderation;
using Relay.Storage;
using Relay.Tests.Moderation.Contracts;
using Relay.Tests.Support;
using Relay.Tests.Translation.Contracts;

namespace Relay.Tests.Moderation;

/// <summary>
/// The screening stage over a real SQLite database with the optional services pointed at a local
/// server replaying Azure AI Content Safety's and Akismet's documented answers.
/// </summary>
public class ScreeningServicesStageTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private FakeProviderServer _server = null!;
    private readonly List<WorkerHarness> _workers = [];
    private readonly string _blocklists = Directory.CreateTempSubdirectory("relay-blocklists-").FullName;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _server = await FakeProviderServer.StartAsync(request => request.Path.EndsWith("/comment-check", StringComparison.Ordinal)
            ? AkismetContractTests.Documented(request)
            : ContentSafetyContractTests.Documented(request));
    }

    public async Task DisposeAsync()
    {
        foreach (var worker in _workers)
            await worker.DisposeAsync();
        await _server.DisposeAsync();
        await _database.DisposeAsync();
        Directory.Delete(_blocklists, recursive: true);
    }

    private async Task<WorkerHarness> WorkerAsync(Dictionary<string, string?> settings)
    {
        settings["Moderation:BlocklistDirectory"] = _blocklists;
        var worker = await WorkerHarness.StartAsync(_database, bus => bus.AddConsumer<ScreenMessageConsumer>(),
            (services, _) => services.AddModeration(), settings);
        _workers.Add(worker);
        return worker;
    }

    /// <summary>Both services configured and on, their backoff shortened.</summary>
    private Dictionary<string, string?> ServicesOn(bool enabled = true) => new()
    {
        ["Moderation:ContentSafety:Enabled"] = enabled.ToString(),
        ["Moderation:ContentSafety:Endpoint"] = _server.Url,
        ["Moderation:ContentSafety:Key"] = ScreeningServiceContractTests.Key,
        ["Moderation:ContentSafety:BaseDelay"] = "00:00:00.010",
        ["Moderation:Akismet:Enabled"] = enabled.ToString(),
        ["Moderation:Akismet:Endpoint"] = _server.Url,
        ["Moderation:Akismet:Key"] = ScreeningServiceContractTests.Key,
        ["Moderation:Akismet:Blog"] = "https://relay.example.org",
        ["Moderation:Akismet:BaseDelay"] = "00:00:00.010",
    };

    /// <summary>A translated message from a union past its first messages, with a Spanish translation.</summary>
    private async Task<SolidarityMessage> TranslatedAsync(string spanishBody = "Queridos colegas, toda nuestra solidaridad.",
        string? body = null, string? senderEmail = null)
    {
        await using var db = _database.Open();
        var sender = await db.AddUnionAsync("Sender", "en");
        if (senderEmail is not null)
            sender.Email = senderEmail;
        var earlier = await db.AddMessageAsync(sender, [await db.AddUnionAsync("Earlier recipient", "es")], MessageStatus.Delivered,
            letter: new SeedLetter("Earlier", "A letter from last month, approved by a coordinator."));
        (earlier.ReceivedAt, earlier.ModerationDecision) = (DateTime.UtcNow.AddDays(-30), "approve");
        await db.SaveChangesAsync();
        var message = await db.AddMessageAsync(sender, [await db.AddUnionAsync("Recipient", "es")], MessageStatus.Translated,
            letter: body is null ? null : new SeedLetter("Solidarity", body));
        await db.AddTranslationAsync(message, "es", "Carta", spanishBody);
        return message;
    }

    private static async Task<SolidarityMessage> ScreenAsync(WorkerHarness worker, TestDatabase database, SolidarityMessage message)
    {
        await worker.ConsumeAsync(new MessageTranslated(message.Id, "en", ["es"]));
        await using var db = database.Open();
        return await db.Messages.SingleAsync(m => m.Id == message.Id);
    }

    [Fact]
    public async Task Off_by_default_and_when_not_enabled_no_service_is_called()
    {
        var byDefault = await ScreenAsync(await WorkerAsync([]), _database, await TranslatedAsync("Texto. [Violence 6]"));
        var configuredButOff = await ScreenAsync(await WorkerAsync(ServicesOn(enabled: false)), _database, await TranslatedAsync("Texto. [Violence 6]"));

        Assert.Equal([MessageStatus.Approved, MessageStatus.Approved], new[] { byDefault.Status, configuredButOff.Status });
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task With_both_services_on_a_clean_letter_is_approved_after_asking_them()
    {
        var approved = await ScreenAsync(await WorkerAsync(ServicesOn()), _database, await TranslatedAsync());

        Assert.True(approved.Status == MessageStatus.Approved, string.Join("; ", approved.ModerationReasons));
        Assert.Equal(2, _server.RequestsTo("/contentsafety/text:analyze").Count);
        Assert.Single(_server.RequestsTo("/1.1/comment-check"));
    }

    [Fact]
    public async Task A_category_over_its_threshold_in_a_translation_holds_with_the_reason()
    {
        var worker = await WorkerAsync(ServicesOn());

        var held = await ScreenAsync(worker, _database, await TranslatedAsync("Los golpearon en la puerta. [Violence 6]"));

        Assert.Equal((MessageStatus.Held, "hold"), (held.Status, held.ModerationDecision));
        Assert.Equal(["content-safety: Violence severity 6 in the es text, at or above 4"], held.ModerationReasons);
        await worker.DispatchOutboxAsync();
        Assert.True(await worker.Bus.WasPublishedAsync<MessageHeld>(m => m.Context.Message.MessageId == held.Id));
    }

    [Fact]
    public async Task A_service_that_fails_holds_the_message_even_where_its_findings_would_reject()
    {
        var settings = ServicesOn();
        settings["Moderation:Reject"] = "script,content-safety";
        var worker = await WorkerAsync(settings);
        for (var i = 0; i < 3; i++)
            _server.AnswerNext("/contentsafety/text:analyze", 503, """{"error":{"code":"ServerBusy","message":"The server is busy."}}""");

        var held = await ScreenAsync(worker, _database, await TranslatedAsync());

        Assert.Equal(MessageStatus.Held, held.Status);
        Assert.Equal(["content-safety: unavailable (503 ServerBusy: The server is busy.)"], held.ModerationReasons);

        // Once it answers, its finding in the original rejects, as configured.
        var rejected = await ScreenAsync(worker, _database, await TranslatedAsync(body: Seeds.Cerrejon.Body + " [Hate 6]"));
        Assert.Equal(MessageStatus.Rejected, rejected.Status);
        Assert.Equal(["content-safety: Hate severity 6 in the en text, at or above 4"], rejected.ModerationReasons);
    }

    [Fact]
    public async Task Akismet_spam_holds_and_its_discard_rejects_when_configured()
    {
        var spam = await ScreenAsync(await WorkerAsync(ServicesOn()), _database,
            await TranslatedAsync(senderEmail: AkismetContractTests.GuaranteedSpam));
        Assert.Equal(MessageStatus.Held, spam.Status);
        Assert.Equal(["akismet: spam"], spam.ModerationReasons);

        var settings = ServicesOn();
        settings["Moderation:Akismet:RejectDiscard"] = "true";
        var worker = await WorkerAsync(settings);
        _server.AnswerNext("/1.1/comment-check", new FakeAnswer(200, "true",
            Headers: new Dictionary<string, string> { ["X-akismet-pro-tip"] = "discard" }, ContentType: "text/plain"));
        var discarded = await ScreenAsync(worker, _database, await TranslatedAsync());
        Assert.Equal((MessageStatus.Rejected, "reject"), (discarded.Status, discarded.ModerationDecision));
        Assert.Equal(["akismet: spam, discard"], discarded.ModerationReasons);
        await worker.DispatchOutboxAsync();
        Assert.True(await worker.Bus.WasPublishedAsync<MessageRejected>(m =>
            m.Context.Message.MessageId == discarded.Id && m.Context.Message.Reason == "akismet: spam, discard"));
    }
}
