using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Intake.Review;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>The coordinators' acts over the API and the review desk's pages, on the intake in memory.</summary>
public partial class ReviewDeskTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    private HttpClient Coordinator => app.ClientWithKey(app.CoordinatorKey);

    private async Task<SolidarityMessage> HeldAsync(string spanishTitle = "Carta a los mineros", string spanishBody = "Queridos colegas, toda nuestra solidaridad.")
    {
        await using var db = app.OpenDb();
        var sender = await db.AddUnionAsync("International Miners' Coordination", "en");
        var recipient = await db.AddUnionAsync("Sintracarbón", "es");
        var message = await db.AddMessageAsync(sender, [recipient], MessageStatus.Held);
        await db.AddTranslationAsync(message, "es", spanishTitle, spanishBody);
        return message;
    }

    private async Task<List<AuditEntry>> AuditOfAsync(Guid id)
    {
        await using var db = app.OpenDb();
        return await db.AuditLog.Where(a => a.MessageId == id).OrderBy(a => a.At).ToListAsync();
    }

    [Fact]
    public async Task Approving_with_a_corrected_translation_keeps_the_correction_and_audits_both_acts()
    {
        var message = await HeldAsync(spanishBody: "Queridos colegas, todo nuestro solidaridad.");
        var unchangedTitle = new TranslationEdit("es", "Carta a los mineros", "Queridos colegas, toda nuestra solidaridad.\r\n");

        var response = await Coordinator.PostAsJsonAsync($"/api/messages/{message.Id}/approve", new { translations = new[] { unchangedTitle } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = await response.Content.ReadFromJsonAsync<JsonElement>();
        var spanish = status.GetProperty("translations").EnumerateArray().Single(t => t.GetProperty("language").GetString() == "es");
        Assert.Equal("Queridos colegas, toda nuestra solidaridad.", spanish.GetProperty("body").GetString());
        Assert.Equal((TranslationOrigin.Human, "coordinator"), (spanish.GetProperty("origin").GetString(), spanish.GetProperty("provider").GetString()));
        Assert.Equal("approved", status.GetProperty("status").GetString());
        var audit = await AuditOfAsync(message.Id);
        Assert.Equal([(AuditAction.EditTranslation, "es translation: body"), (AuditAction.Approve, null)], audit.Select(a => (a.Action, a.Detail)));
        Assert.All(audit, a => Assert.Equal("coordinator", a.Actor));
        Assert.True(await app.Harness.WasPublishedAsync<MessageApproved>(m => m.Context.Message.MessageId == message.Id));
    }

    [Fact]
    public async Task A_correction_to_a_language_the_message_lacks_changes_nothing_and_says_why()
    {
        var message = await HeldAsync();

        var refused = await Coordinator.PostAsJsonAsync($"/api/messages/{message.Id}/approve",
            new { translations = new[] { new TranslationEdit("es", "Carta", "Queridos colegas"), new TranslationEdit("fr", "Lettre", "Chers collègues") } });
        var empty = await Coordinator.PostAsJsonAsync($"/api/messages/{message.Id}/approve", new { translations = new[] { new TranslationEdit("es", "Carta", " ") } });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("no fr translation", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        await using var db = app.OpenDb();
        Assert.Equal("Queridos colegas, toda nuestra solidaridad.", (await db.Translations.SingleAsync(t => t.MessageId == message.Id)).Body);
        Assert.Equal(MessageStatus.Held, (await db.Messages.SingleAsync(m => m.Id == message.Id)).Status);
        Assert.Empty(await AuditOfAsync(message.Id));
    }

    [Fact]
    public async Task A_publication_taken_down_leaves_the_site_says_gone_and_is_never_published_again()
    {
        Guid id;
        await using (var db = app.OpenDb())
        {
            var sender = await db.AddUnionAsync("Sender", "en");
            var recipient = await db.AddUnionAsync("Recipient", "es");
            var message = await db.AddMessageAsync(sender, [recipient], MessageStatus.Delivered, publish: true,
                letter: Seeds.Cerrejon with { Title = "Takedown test " + Guid.NewGuid().ToString("N")[..8] });
            message.PublishedAt = DateTime.UtcNow;
            message.PublicationUrl = $"http://127.0.0.1:8080/messages/{message.Id}";
            await db.SaveChangesAsync();
            id = message.Id;
        }
        var site = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await site.GetAsync($"/messages/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await Coordinator.PostAsJsonAsync($"/api/messages/{id}/takedown", new { reason = "" })).StatusCode);
        var taken = await Coordinator.PostAsJsonAsync($"/api/messages/{id}/takedown", new { reason = "The recipient union asked for it." });

        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        var publication = (await taken.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("publication");
        Assert.Equal("The recipient union asked for it.", publication.GetProperty("takedownReason").GetString());
        Assert.Equal(HttpStatusCode.Gone, (await site.GetAsync($"/messages/{id}")).StatusCode);
        await using (var db = app.OpenDb())
        {
            var title = (await db.Messages.SingleAsync(m => m.Id == id)).Title;
            Assert.DoesNotContain(title, await site.GetStringAsync("/"));
            Assert.DoesNotContain(title, await site.GetStringAsync("/feed.atom"));
            // A replayed publication event must not put it back, even were its publication date cleared.
            var stored = await db.Messages.SingleAsync(m => m.Id == id);
            stored.PublishedAt = null;
            Assert.False(Relay.Publication.PublicationStage.ShouldPublish(stored));
        }
        Assert.Equal(HttpStatusCode.Conflict, (await Coordinator.PostAsJsonAsync($"/api/messages/{id}/takedown", new { reason = "again" })).StatusCode);
        var entry = Assert.Single(await AuditOfAsync(id));
        Assert.Equal((AuditAction.Takedown, "The recipient union asked for it."), (entry.Action, entry.Reason));
    }

    [Fact]
    public async Task The_audit_log_is_exported_as_csv_to_coordinators_only()
    {
        var message = await HeldAsync();
        await Coordinator.PostAsJsonAsync($"/api/messages/{message.Id}/reject", new { reason = "=HYPERLINK(\"http://evil\"), says \"spam\"" });
        var (_, unionKey) = await CreateUnionAsync();

        var csv = await Coordinator.GetAsync($"/api/audit.csv?messageId={message.Id}");

        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(AuditCsv.Header, lines[0]);
        var row = Assert.Single(lines.Skip(1));
        Assert.EndsWith($",coordinator,reject,{message.Id},,\"'=HYPERLINK(\"\"http://evil\"\"), says \"\"spam\"\"\"", row);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync("/api/audit.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.ClientWithKey(unionKey).GetAsync("/api/audit.csv")).StatusCode);
        var json = await Coordinator.GetFromJsonAsync<JsonElement>($"/api/audit?messageId={message.Id}");
        Assert.Equal("reject", json.EnumerateArray().Single().GetProperty("action").GetString());
    }

    private async Task<(Guid Id, string Key)> CreateUnionAsync()
    {
        var response = await Coordinator.PostAsJsonAsync("/api/unions",
            new { name = "Union " + Guid.NewGuid().ToString("N")[..6], country = "CO", languages = new[] { "es" }, email = $"u{Guid.NewGuid():N}@unions.example.org" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetGuid(), body.GetProperty("apiKey").GetString()!);
    }

    // --- the pages -----------------------------------------------------------------------------

    private HttpClient Browser() => app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    private static async Task<string> TokenAsync(HttpClient browser, string path) =>
        AntiforgeryToken().Match(await browser.GetStringAsync(path)).Groups[1].Value;

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string path, Dictionary<string, string> fields) =>
        await browser.PostAsync(path, new FormUrlEncodedContent(fields));

    [Fact]
    public async Task The_desk_needs_a_signed_in_coordinator_and_refuses_forms_without_their_token()
    {
        var message = await HeldAsync();
        var browser = Browser();

        var anonymous = await browser.GetAsync("/review");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Equal("/review/sign-in", anonymous.Headers.Location!.AbsolutePath);
        var token = await TokenAsync(browser, "/review/sign-in");
        Assert.NotEmpty(token);

        var forged = await PostFormAsync(browser, "/review/sign-in", new() { ["Name"] = "Ana", ["Key"] = app.CoordinatorKey });
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var wrongKey = await PostFormAsync(browser, "/review/sign-in", new() { ["Name"] = "Ana", ["Key"] = "relay_wrong", ["__RequestVerificationToken"] = token });
        Assert.Contains("not a coordinator key", await wrongKey.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/review")).StatusCode);

        var signedIn = await PostFormAsync(browser, "/review/sign-in",
            new() { ["Name"] = "Ana Weber", ["Key"] = app.CoordinatorKey, ["ReturnUrl"] = "https://evil.example/", ["__RequestVerificationToken"] = token });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/review", signedIn.Headers.Location!.OriginalString);
        Assert.Contains($"/review/messages/{message.Id}", await browser.GetStringAsync("/review"));

        var page = $"/review/messages/{message.Id}";
        var noToken = await PostFormAsync(browser, page + "?handler=Approve", new() { ["Edits[0].Language"] = "es", ["Edits[0].Title"] = "x", ["Edits[0].Body"] = "y" });
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        var rejected = await PostFormAsync(browser, page + "?handler=Reject",
            new() { ["Reason"] = "Not a letter of solidarity.", ["__RequestVerificationToken"] = await TokenAsync(browser, page) });
        Assert.Equal(HttpStatusCode.Redirect, rejected.StatusCode);

        await using var db = app.OpenDb();
        var stored = await db.Messages.SingleAsync(m => m.Id == message.Id);
        Assert.Equal((MessageStatus.Rejected, "Ana Weber"), (stored.Status, stored.DecidedBy));
        Assert.Equal("Queridos colegas, toda nuestra solidaridad.", (await db.Translations.SingleAsync(t => t.MessageId == message.Id)).Body);
        var entry = Assert.Single(await AuditOfAsync(message.Id));
        Assert.Equal(("Ana Weber", AuditAction.Reject, "Not a letter of solidarity."), (entry.Actor, entry.Action, entry.Reason));
        Assert.Contains("Not a letter of solidarity.", await browser.GetStringAsync("/review/audit"));
    }
}
