using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Relay.Contracts;
using Relay.Moderation;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Moderation;

/// <summary>The stage over a real SQLite database: the facts the rules need come from earlier messages and the directory.</summary>
public class ScreeningStageTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private WorkerHarness _worker = null!;
    private readonly string _blocklists = Directory.CreateTempSubdirectory("relay-blocklists-").FullName;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _worker = await WorkerHarness.StartAsync(_database, bus => bus.AddConsumer<ScreenMessageConsumer>(),
            (services, _) => services.AddModeration(),
            new() { ["Moderation:BlocklistDirectory"] = _blocklists, ["Moderation:HoldFirstMessages"] = "1" });
    }

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        await _database.DisposeAsync();
        Directory.Delete(_blocklists, recursive: true);
    }

    /// <summary>A union with one approved message a month ago: past its first messages, nothing sent lately.</summary>
    private async Task<Union> KnownSenderAsync()
    {
        await using var db = _database.Open();
        var sender = await db.AddUnionAsync("Sender", "en");
        await EarlierAsync(sender, TimeSpan.FromDays(30), "A letter from last month, approved by a coordinator.");
        return sender;
    }

    /// <summary>An earlier message from the sender, received <paramref name="ago"/> before now.</summary>
    private async Task EarlierAsync(Union sender, TimeSpan ago, string body, Union? recipient = null, string? decision = "approve")
    {
        await using var db = _database.Open();
        recipient ??= await db.AddUnionAsync("Earlier recipient", "es");
        var message = await db.AddMessageAsync(sender, [recipient], MessageStatus.Delivered, letter: new SeedLetter("Earlier", body));
        (message.ReceivedAt, message.ModerationDecision) = (DateTime.UtcNow - ago, decision);
        await db.SaveChangesAsync();
    }

    private async Task<SolidarityMessage> TranslatedAsync(Union sender, string spanishBody = "Queridos colegas, toda nuestra solidaridad.",
        Union? recipient = null, string? body = null)
    {
        await using var db = _database.Open();
        recipient ??= await db.AddUnionAsync("Recipient", "es");
        var message = await db.AddMessageAsync(sender, [recipient], MessageStatus.Translated,
            letter: body is null ? null : new SeedLetter("Solidarity", body));
        await db.AddTranslationAsync(message, "es", "Carta", spanishBody);
        return message;
    }

    private async Task<SolidarityMessage> ScreenAsync(SolidarityMessage message)
    {
        using (var scope = _worker.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<ScreeningStage>().RunAsync(message.Id, CancellationToken.None);
        await using var db = _database.Open();
        return await db.Messages.SingleAsync(m => m.Id == message.Id);
    }

    private static void Approved(SolidarityMessage message) =>
        Assert.True(message.Status == MessageStatus.Approved, $"{message.Status}: {string.Join("; ", message.ModerationReasons)}");

    [Fact]
    public async Task A_clean_letter_is_approved_once_even_if_the_event_comes_twice()
    {
        var message = await TranslatedAsync(await KnownSenderAsync());
        var translated = new MessageTranslated(message.Id, "en", ["es"]);

        await _worker.ConsumeAsync(translated);
        await _worker.ConsumeAsync(translated);

        await using var db = _database.Open();
        var stored = await db.Messages.SingleAsync(m => m.Id == message.Id);
        Assert.Equal((MessageStatus.Approved, "approve", "rules"), (stored.Status, stored.ModerationDecision, stored.DecidedBy));
        var audit = Assert.Single(await db.AuditLog.Where(a => a.MessageId == message.Id).ToListAsync());
        Assert.Equal(("rules", AuditAction.Approve, (string?)null), (audit.Actor, audit.Action, audit.Reason));
        Assert.Equal(1, await _worker.DispatchOutboxAsync());
        Assert.True(await _worker.Bus.WasPublishedAsync<MessageApproved>(m => m.Context.Message.MessageId == message.Id));
    }

    [Fact]
    public async Task Script_in_a_translation_holds_the_message_with_the_reason()
    {
        var message = await TranslatedAsync(await KnownSenderAsync(), "Hola <script>alert(1)</script>");

        await _worker.ConsumeAsync(new MessageTranslated(message.Id, "en", ["es"]));

        await using var db = _database.Open();
        var stored = await db.Messages.SingleAsync(m => m.Id == message.Id);
        Assert.Equal(MessageStatus.Held, stored.Status);
        Assert.StartsWith("script:", Assert.Single(stored.ModerationReasons));
        var audit = Assert.Single(await db.AuditLog.Where(a => a.MessageId == message.Id).ToListAsync());
        Assert.Equal(("rules", AuditAction.Hold), (audit.Actor, audit.Action));
        Assert.StartsWith("script:", audit.Reason);
        await _worker.DispatchOutboxAsync();
        Assert.True(await _worker.Bus.WasPublishedAsync<MessageHeld>(m => m.Context.Message.MessageId == message.Id));
        Assert.DoesNotContain(await _worker.Bus.Published.Recorded<MessageApproved>(), m => m.Context.Message.MessageId == message.Id);
    }

    [Fact]
    public async Task Script_in_the_original_rejects_the_message_and_the_reason_is_kept_for_the_sender()
    {
        var message = await TranslatedAsync(await KnownSenderAsync(), body: Seeds.Cerrejon.Body + "<script>alert(1)</script>");

        var stored = await ScreenAsync(message);

        Assert.Equal((MessageStatus.Rejected, "reject"), (stored.Status, stored.ModerationDecision));
        Assert.Equal("script: the en text contains script or active markup", Assert.Single(stored.ModerationReasons));
        await _worker.DispatchOutboxAsync();
        Assert.True(await _worker.Bus.WasPublishedAsync<MessageRejected>(m =>
            m.Context.Message.MessageId == message.Id && m.Context.Message.Reason.StartsWith("script:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_new_unions_first_message_is_held_and_once_one_was_approved_the_next_passes()
    {
        await using (var db = _database.Open())
        {
            var sender = await db.AddUnionAsync("New union", "en");
            // A rejected or held message is no approval.
            await EarlierAsync(sender, TimeSpan.FromDays(3), "A rejected letter from before.", decision: "reject");
            var first = await ScreenAsync(await TranslatedAsync(sender));
            Assert.Equal(MessageStatus.Held, first.Status);
            Assert.StartsWith("first-message:", Assert.Single(first.ModerationReasons));

            // A coordinator approves it; the union's next message is screened as any other.
            var tracked = await db.Messages.SingleAsync(m => m.Id == first.Id);
            (tracked.Status, tracked.ModerationDecision) = (MessageStatus.Approved, "approve");
            await db.SaveChangesAsync();
            Approved(await ScreenAsync(await TranslatedAsync(sender, body: Seeds.Letters.First(l => l != Seeds.Cerrejon).Body)));
        }
    }

    [Fact]
    public async Task The_same_body_within_the_window_is_held_and_outside_it_passes()
    {
        var sender = await KnownSenderAsync();
        await EarlierAsync(sender, TimeSpan.FromHours(25), Seeds.Cerrejon.Body);
        Approved(await ScreenAsync(await TranslatedAsync(sender)));

        var other = await KnownSenderAsync();
        await EarlierAsync(other, TimeSpan.FromHours(23), Seeds.Cerrejon.Body.ToUpperInvariant());
        var repeated = await ScreenAsync(await TranslatedAsync(other));
        Assert.Equal(MessageStatus.Held, repeated.Status);
        Assert.StartsWith("duplicate:", Assert.Single(repeated.ModerationReasons));
    }

    [Fact]
    public async Task More_messages_in_an_hour_than_allowed_are_held_but_older_ones_and_the_message_itself_do_not_count()
    {
        var sender = await KnownSenderAsync();
        for (var i = 0; i < 4; i++)
            await EarlierAsync(sender, TimeSpan.FromMinutes(10 + i), $"Letter number {i} of this afternoon, to another union.");
        await EarlierAsync(sender, TimeSpan.FromMinutes(90), "A letter from this morning, to another union.");
        Approved(await ScreenAsync(await TranslatedAsync(sender)));

        var busy = await KnownSenderAsync();
        for (var i = 0; i < 5; i++)
            await EarlierAsync(busy, TimeSpan.FromMinutes(10 + i), $"Letter number {i} of this afternoon, to another union.");
        var sixth = await ScreenAsync(await TranslatedAsync(busy));
        Assert.Equal(MessageStatus.Held, sixth.Status);
        Assert.Equal("rate: 6 messages from this union within an hour, more than 5", Assert.Single(sixth.ModerationReasons));
    }

    [Fact]
    public async Task More_messages_to_one_recipient_in_a_day_than_allowed_are_held()
    {
        var sender = await KnownSenderAsync();
        Union recipient;
        await using (var db = _database.Open())
            recipient = await db.AddUnionAsync("CGT", "es");
        await EarlierAsync(sender, TimeSpan.FromHours(3), "The first letter of today to the CGT.", recipient);
        await EarlierAsync(sender, TimeSpan.FromHours(2), "The second letter of today to the CGT.", recipient);
        await EarlierAsync(sender, TimeSpan.FromHours(26), "Yesterday's letter to the CGT.", recipient);
        Approved(await ScreenAsync(await TranslatedAsync(sender, recipient: recipient)));

        // That one counts now too: three earlier ones within the day.
        var fourth = await ScreenAsync(await TranslatedAsync(sender, recipient: recipient, body: Seeds.Letters.First(l => l != Seeds.Cerrejon).Body));
        Assert.Equal(MessageStatus.Held, fourth.Status);
        Assert.Equal("rate: 4 messages from this union to CGT within a day, more than 3", Assert.Single(fourth.ModerationReasons));
    }

    [Fact]
    public async Task A_recipient_that_asked_for_review_holds_what_is_sent_to_it()
    {
        var sender = await KnownSenderAsync();
        Union recipient;
        await using (var db = _database.Open())
        {
            recipient = await db.AddUnionAsync("Careful union", "es");
            recipient.ReviewIncoming = true;
            await db.SaveChangesAsync();
        }

        var held = await ScreenAsync(await TranslatedAsync(sender, recipient: recipient));

        Assert.Equal(MessageStatus.Held, held.Status);
        Assert.Equal("recipient-review: Careful union asks that every message sent to it is reviewed first", Assert.Single(held.ModerationReasons));
    }

    [Fact]
    public async Task A_blocklist_file_edited_while_the_worker_runs_applies_to_the_next_message()
    {
        var sender = await KnownSenderAsync();
        await File.WriteAllTextAsync(Path.Combine(_blocklists, "en.txt"), "# spam seen this week\nfree bitcoin\n");
        await File.WriteAllTextAsync(Path.Combine(_blocklists, "es.txt"), "bitcoin gratis\n");

        var spam = await ScreenAsync(await TranslatedAsync(sender, "Queridos colegas: ¡Bitcoin gratis!", body: Seeds.Cerrejon.Body + " Free bitcoin here."));
        Assert.Equal(["blocklist: the en text contains \"Free bitcoin\"", "blocklist: the es text contains \"Bitcoin gratis\""], spam.ModerationReasons);

        // A coordinator takes one term out and adds another.
        await File.WriteAllTextAsync(Path.Combine(_blocklists, "en.txt"), "# spam seen this week\nstrike fund raffle\n");
        var letter = Seeds.Letters.First(l => l != Seeds.Cerrejon).Body;
        Approved(await ScreenAsync(await TranslatedAsync(sender, body: letter + " Free bitcoin here.")));
        var raffle = await ScreenAsync(await TranslatedAsync(sender, body: Seeds.Cerrejon.Body + " Join our strike fund raffle."));
        Assert.Equal("blocklist: the en text contains \"strike fund raffle\"", Assert.Single(raffle.ModerationReasons));
    }
}
