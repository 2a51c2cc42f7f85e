using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Relay.Intake.PersonalData;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.PersonalData;

/// <summary>A coordinator exports and erases a union's or a supporter's data over HTTP; the public site follows.</summary>
public class PersonalDataApiTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    private HttpClient Coordinator => app.ClientWithKey(app.CoordinatorKey);

    private static string Unique(string what) => $"{what} {Guid.NewGuid():N}"[..(what.Length + 9)];

    /// <summary>A supporter's published letter (with a Spanish translation) to a union, and a second supporter's.</summary>
    private async Task<(Supporter Supporter, SolidarityMessage Letter, Union Recipient, Supporter Other)> SupporterLetterAsync()
    {
        await using var db = app.OpenDb();
        var recipient = await db.AddUnionAsync(Unique("Sintracarbón"), "es");
        var supporter = new Supporter { Id = Guid.NewGuid(), Name = Unique("Ana Pérez"), Organisation = Unique("Vecinos"), Email = $"{Guid.NewGuid():N}@people.example.org", CreatedAt = DateTime.UtcNow };
        var other = new Supporter { Id = Guid.NewGuid(), Name = Unique("Olha Kovalenko"), Email = $"{Guid.NewGuid():N}@people.example.org", CreatedAt = DateTime.UtcNow };
        db.Supporters.AddRange(supporter, other);
        SolidarityMessage Letter(Supporter from, string title) => new()
        {
            Id = Guid.NewGuid(), SupporterId = from.Id, Channel = MessageChannel.SupporterForm, Title = title, Body = Seeds.Cerrejon.Body, Language = "en",
            Author = from.Name, Status = MessageStatus.Delivered, Publish = true, ReceivedAt = DateTime.UtcNow.AddDays(-2), UpdatedAt = DateTime.UtcNow.AddDays(-2),
            SummarySentAt = DateTime.UtcNow.AddDays(-2), ConfirmationAddress = from.Email, ConfirmedAt = DateTime.UtcNow.AddDays(-2),
            PublishedAt = DateTime.UtcNow.AddDays(-2), Recipients = [new MessageRecipient { UnionId = recipient.Id }],
        };
        var letter = Letter(supporter, Unique("From the neighbours"));
        db.Messages.AddRange(letter, Letter(other, Unique("From Olha")));
        db.Translations.Add(new Relay.Storage.Translation { MessageId = letter.Id, Language = "es", Title = Unique("De los vecinos"), Body = "Solidaridad.", Origin = "machine", Provider = "apertium", At = DateTime.UtcNow });
        db.InboundMails.Add(new InboundMail { Key = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), From = supporter.Email.ToUpperInvariant(), Subject = "Otra carta", Outcome = "refused", ReceivedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
        return (supporter, letter, recipient, other);
    }

    [Fact]
    public async Task A_supporters_export_holds_their_record_letters_translations_and_emails_and_nothing_of_others()
    {
        var (supporter, letter, recipient, other) = await SupporterLetterAsync();

        var response = await Coordinator.PostAsJsonAsync("/api/supporters/export", new { email = supporter.Email.ToUpperInvariant() });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"relay-supporter-{supporter.Id}-{DateTime.UtcNow:yyyy-MM-dd}.json", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var text = await response.Content.ReadAsStringAsync();
        var export = JsonDocument.Parse(text).RootElement;
        Assert.Equal(supporter.Name, export.GetProperty("supporter").GetProperty("name").GetString());
        Assert.Equal(supporter.Email, export.GetProperty("supporter").GetProperty("email").GetString());
        var message = Assert.Single(export.GetProperty("messages").EnumerateArray());
        Assert.Equal(letter.Title, message.GetProperty("title").GetString());
        Assert.Equal("es", Assert.Single(message.GetProperty("translations").EnumerateArray()).GetProperty("language").GetString());
        Assert.Equal("Otra carta", Assert.Single(export.GetProperty("inboundMails").EnumerateArray()).GetProperty("subject").GetString());
        Assert.DoesNotContain(other.Name, text);
        Assert.DoesNotContain(other.Email, text);
        Assert.DoesNotContain(recipient.Email, text);

        await using var db = app.OpenDb();
        Assert.True(await db.AuditLog.AnyAsync(a => a.Action == AuditAction.Export && a.Detail == $"supporter {supporter.Id}"));
        Assert.False(await db.AuditLog.AnyAsync(a => a.Detail!.Contains(supporter.Email)));
    }

    [Fact]
    public async Task A_supporter_export_or_erasure_needs_an_address_and_one_relay_knows()
    {
        var missing = await Coordinator.PostAsJsonAsync("/api/supporters/export", new { });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("email", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await Coordinator.PostAsJsonAsync("/api/supporters/erase", new { email = "not an address" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Coordinator.PostAsJsonAsync("/api/supporters/export", new { email = "nobody@people.example.org" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Coordinator.PostAsJsonAsync("/api/supporters/erase", new { email = "nobody@people.example.org" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Coordinator.GetAsync($"/api/unions/{Guid.NewGuid()}/export")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Coordinator.DeleteAsync($"/api/unions/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task An_erased_supporter_is_no_longer_named_on_the_page_the_index_or_the_feed_and_the_letter_stays()
    {
        var (supporter, letter, _, other) = await SupporterLetterAsync();
        var site = app.CreateClient();
        Assert.Contains(supporter.Name, await site.GetStringAsync($"/messages/{letter.Id}"));
        Assert.Contains(supporter.Name, await site.GetStringAsync("/feed.atom?lang=en"));

        var erased = await Coordinator.PostAsJsonAsync("/api/supporters/erase", new { email = supporter.Email, reason = "Asked by email on 3 December" });

        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        var counts = await erased.Content.ReadFromJsonAsync<ErasureCounts>();
        Assert.Equal(1, counts!.Messages);
        Assert.Equal(1, counts.InboundMails);
        var page = await site.GetStringAsync($"/messages/{letter.Id}");
        Assert.Contains(letter.Title, page); // the letter stays readable
        Assert.Contains(PersonalDataRules.AnonymisedSupporterName, page);
        Assert.DoesNotContain(supporter.Name, page);
        Assert.DoesNotContain(supporter.Organisation!, page);
        var index = await site.GetStringAsync("/?lang=en");
        Assert.DoesNotContain(supporter.Name, index);
        var feed = await site.GetStringAsync("/feed.atom?lang=en");
        Assert.DoesNotContain(supporter.Name, feed);
        Assert.Contains(other.Name, feed); // the other supporter is still named
        var spanish = await site.GetStringAsync("/feed.atom?lang=es");
        Assert.DoesNotContain(supporter.Name, spanish);

        var audit = await Coordinator.GetStringAsync("/api/audit");
        Assert.Contains($"supporter {supporter.Id}", audit);
        Assert.Contains("Asked by email on 3 December", audit);
        Assert.DoesNotContain(supporter.Email, audit);
        Assert.DoesNotContain(supporter.Name, audit);
        Assert.Equal(HttpStatusCode.NotFound, (await Coordinator.PostAsJsonAsync("/api/supporters/export", new { email = supporter.Email })).StatusCode);
    }

    [Fact]
    public async Task A_union_is_exported_with_its_messages_and_deliveries_to_it_then_erased_once_nothing_is_in_flight()
    {
        Union sender, recipient, bystander;
        SolidarityMessage sent, held;
        await using (var db = app.OpenDb())
        {
            sender = await db.AddUnionAsync(Unique("Zakhyst Pratsi"), "uk");
            recipient = await db.AddUnionAsync(Unique("Sintracarbón"), "es");
            bystander = await db.AddUnionAsync(Unique("Bystanders"), "en");
            sent = await db.AddMessageAsync(sender, [recipient], MessageStatus.Delivered, publish: true, letter: new SeedLetter(Unique("To the miners"), Seeds.Cerrejon.Body));
            sent.PublishedAt = sent.SummarySentAt = DateTime.UtcNow;
            sent.Author = Unique("Mykola, secretary");
            db.Deliveries.Add(new Relay.Storage.Delivery
            {
                Id = Guid.NewGuid(), MessageId = sent.Id, RecipientUnionId = recipient.Id, Address = recipient.Email, Language = "es", Status = DeliveryStatus.Sent,
                Detail = $"250 2.0.0 <{recipient.Email}> Ok", At = DateTime.UtcNow, EmailMessageId = $"{sent.Id:N}@relay.test",
            });
            await db.SaveChangesAsync();
            await db.AddTranslationAsync(sent, "es", Unique("A los mineros"), "Solidaridad.");
            held = await db.AddMessageAsync(sender, [bystander], MessageStatus.Held, letter: new SeedLetter(Unique("Held one"), Seeds.Cerrejon.Body));
            await db.AddMessageAsync(bystander, [recipient], MessageStatus.Delivered, letter: new SeedLetter(Unique("Bystander's letter"), Seeds.Cerrejon.Body));
        }

        var export = await Coordinator.GetAsync($"/api/unions/{sender.Id}/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.StartsWith($"relay-union-{sender.Id}-", export.Content.Headers.ContentDisposition?.FileNameStar ?? export.Content.Headers.ContentDisposition?.FileName);
        var text = await export.Content.ReadAsStringAsync();
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(sender.Email, json.GetProperty("union").GetProperty("email").GetString());
        Assert.Equal(2, json.GetProperty("messagesSent").GetArrayLength());
        Assert.Contains(sent.Author!, text);
        Assert.Contains("A los mineros", text);
        Assert.DoesNotContain(recipient.Email, text); // the recipient's address is the recipient's
        Assert.DoesNotContain("Bystander's letter", text);
        var toRecipient = await Coordinator.GetStringAsync($"/api/unions/{recipient.Id}/export");
        Assert.Contains(recipient.Email, toRecipient); // its deliveries, with the address and the reply
        Assert.Contains("Bystander's letter", toRecipient);
        Assert.DoesNotContain(sender.Email, toRecipient);

        // Only a coordinator may erase.
        var senderKey = ApiKeys.Generate();
        await using (var db = app.OpenDb())
            await db.Unions.Where(u => u.Id == sender.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.ApiKeyHash, ApiKeys.Hash(senderKey)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().DeleteAsync($"/api/unions/{sender.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.ClientWithKey(senderKey).DeleteAsync($"/api/unions/{sender.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.ClientWithKey(senderKey).GetAsync($"/api/unions/{sender.Id}/export")).StatusCode);

        var refused = await Coordinator.DeleteAsync($"/api/unions/{sender.Id}?reason=dissolved");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains(held.Id.ToString(), await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync($"/messages/{sent.Id}")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Coordinator.PostAsJsonAsync($"/api/messages/{held.Id}/reject", new { reason = "Off topic" })).StatusCode);
        await using (var db = app.OpenDb()) // the rejection notice counted as sent
            await db.Messages.Where(m => m.Id == held.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.SummarySentAt, DateTime.UtcNow));
        var erased = await Coordinator.DeleteAsync($"/api/unions/{sender.Id}?reason=dissolved");

        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        var counts = await erased.Content.ReadFromJsonAsync<ErasureCounts>();
        Assert.Equal(2, counts!.Messages);
        Assert.Equal(1, counts.TakenDown);
        Assert.Equal(HttpStatusCode.Gone, (await app.CreateClient().GetAsync($"/messages/{sent.Id}")).StatusCode); // as every page taken down
        Assert.DoesNotContain(sent.Title, await app.CreateClient().GetStringAsync("/feed.atom?lang=en"));
        Assert.DoesNotContain(sender.Name, await app.CreateClient().GetStringAsync("/api/unions"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.ClientWithKey(senderKey).GetAsync($"/api/messages/{sent.Id}")).StatusCode);
        var detail = await Coordinator.GetFromJsonAsync<JsonElement>($"/api/unions/{sender.Id}");
        Assert.Equal(PersonalDataRules.ErasedUnionName, detail.GetProperty("name").GetString());
        Assert.NotEqual(JsonValueKind.Null, detail.GetProperty("erasedAt").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await Coordinator.PostAsync($"/api/unions/{sender.Id}/reinstate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Coordinator.PostAsync($"/api/unions/{sender.Id}/key", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Coordinator.DeleteAsync($"/api/unions/{sender.Id}")).StatusCode);

        var audit = await Coordinator.GetStringAsync("/api/audit");
        Assert.Contains($"union {sender.Id}: 2 messages anonymised, 1 taken down", audit);
        Assert.Contains("dissolved", audit);
        Assert.DoesNotContain(sender.Email, audit);
        // The export afterwards shows what is left: the erased row, the texts, no address.
        var after = await Coordinator.GetStringAsync($"/api/unions/{sender.Id}/export");
        Assert.DoesNotContain(sender.Email, after);
        Assert.DoesNotContain(sent.Author!, after);
    }
}
