using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>The unions' submission form and status page (/write), on the intake in memory.</summary>
public partial class UnionFormTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    private HttpClient Browser() => app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("name=\"FormKey\" value=\"([^\"]+)\"")]
    private static partial Regex FormKey();

    private static string Token(string page) => AntiforgeryToken().Match(page).Groups[1].Value;

    private static Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string path, IEnumerable<KeyValuePair<string, string>> fields) =>
        browser.PostAsync(path, new FormUrlEncodedContent(fields));

    private async Task<(Guid Id, string Key)> CreateUnionAsync(string name, string country, params string[] languages)
    {
        var coordinator = app.ClientWithKey(app.CoordinatorKey);
        var response = await coordinator.PostAsJsonAsync("/api/unions",
            new { name, country, languages, email = $"u{Guid.NewGuid():N}@unions.example.org" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetGuid(), body.GetProperty("apiKey").GetString()!);
    }

    private static string Unique(string name) => $"{name} {Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>A browser signed in as a new union writing in <paramref name="language"/>.</summary>
    private async Task<(HttpClient Browser, Guid Union)> SignedInAsync(string language = "pt-BR")
    {
        var (id, key) = await CreateUnionAsync(Unique("Sindicato dos Metalúrgicos"), "BR", language, "es");
        var browser = Browser();
        var signIn = await browser.GetStringAsync("/write/sign-in");
        var response = await PostFormAsync(browser, "/write/sign-in", new Dictionary<string, string> { ["Key"] = key, ["__RequestVerificationToken"] = Token(signIn) });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/write", response.Headers.Location!.OriginalString);
        return (browser, id);
    }

    [Fact]
    public async Task The_form_needs_a_union_signed_in_with_its_key_and_refuses_forms_without_their_token()
    {
        var (_, key) = await CreateUnionAsync(Unique("Sintracarbón"), "CO", "es");
        var browser = Browser();

        var anonymous = await browser.GetAsync("/write");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Equal("/write/sign-in", anonymous.Headers.Location!.AbsolutePath);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync($"/write/messages/{Guid.NewGuid()}")).StatusCode);
        // The API key as a bearer header is not a session for the pages; nor is a coordinator's session.
        var bearer = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        bearer.DefaultRequestHeaders.Authorization = new("Bearer", key);
        Assert.Equal(HttpStatusCode.Redirect, (await bearer.GetAsync("/write")).StatusCode);

        var token = Token(await browser.GetStringAsync("/write/sign-in"));
        Assert.NotEmpty(token);
        var forged = await PostFormAsync(browser, "/write/sign-in", new Dictionary<string, string> { ["Key"] = key });
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var wrongKey = await PostFormAsync(browser, "/write/sign-in", new Dictionary<string, string> { ["Key"] = "relay_wrong", ["__RequestVerificationToken"] = token });
        var wrongPage = await wrongKey.Content.ReadAsStringAsync();
        Assert.Contains("role=\"alert\"", wrongPage);
        Assert.Contains("not a union", wrongPage);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/write")).StatusCode);
        var coordinatorKey = await PostFormAsync(browser, "/write/sign-in", new Dictionary<string, string> { ["Key"] = app.CoordinatorKey, ["__RequestVerificationToken"] = token });
        Assert.Equal(HttpStatusCode.OK, coordinatorKey.StatusCode);

        var signedIn = await PostFormAsync(browser, "/write/sign-in",
            new Dictionary<string, string> { ["Key"] = key, ["ReturnUrl"] = "https://evil.example/", ["__RequestVerificationToken"] = token });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/write", signedIn.Headers.Location!.OriginalString);
        var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("relay_union="));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        var form = await browser.GetStringAsync("/write");
        var noToken = await PostFormAsync(browser, "/write", new Dictionary<string, string> { ["Title"] = "x", ["Body"] = "y", ["FormKey"] = FormKey().Match(form).Groups[1].Value });
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);

        var signedOut = await PostFormAsync(browser, "/write/sign-in?handler=SignOut", new Dictionary<string, string> { ["__RequestVerificationToken"] = Token(form) });
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/write")).StatusCode);
    }

    [Fact]
    public async Task Searching_the_directory_keeps_what_was_already_typed()
    {
        var marker = Guid.NewGuid().ToString("N")[..6];
        var (chosen, _) = await CreateUnionAsync($"Sintracarbón {marker}", "CO", "es");
        await CreateUnionAsync($"CGT {marker}", "ES", "es");
        var (browser, _) = await SignedInAsync();
        var form = await browser.GetStringAsync("/write");

        var response = await PostFormAsync(browser, "/write?handler=search", new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = Token(form), ["FormKey"] = FormKey().Match(form).Groups[1].Value,
            ["Q"] = $"cgt {marker}", ["Recipients"] = chosen.ToString(), ["Title"] = "Solidaridad con los mineros", ["Body"] = "Half a letter",
            ["Language"] = "es",
        });
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("value=\"Solidaridad con los mineros\"", page);
        Assert.Contains(">Half a letter</textarea>", page);
        Assert.Contains($"CGT {marker}", page);
        Assert.Contains($"id=\"r-{chosen}\" name=\"Recipients\" value=\"{chosen}\" checked", page); // chosen stays listed and checked
        Assert.DoesNotContain("role=\"alert\"", page);
        await using var db = app.OpenDb();
        Assert.False(await db.Messages.AnyAsync(m => m.Title == "Solidaridad con los mineros"));
    }

    [Fact]
    public async Task The_search_narrows_the_directory_and_each_union_shows_the_language_it_receives()
    {
        var marker = Guid.NewGuid().ToString("N")[..6];
        await CreateUnionAsync($"Federação Única dos Petroleiros {marker}", "BR", "pt-BR");
        await CreateUnionAsync($"Профспілка гірників {marker}", "UA", "uk", "en");
        await CreateUnionAsync($"Union <b>of</b> \"Dockers\" {marker}", "GB", "en");
        var (browser, _) = await SignedInAsync();

        var all = await browser.GetStringAsync("/write");
        var narrowed = await browser.GetStringAsync($"/write?q=gírnikiv+{marker}");
        var byName = await browser.GetStringAsync($"/write?q=petroleiros+{marker}");
        var byLanguage = await browser.GetStringAsync($"/write?q=uk+{marker}");

        Assert.Contains("value=\"pt-BR\"", all); // the language prefilled with the union's preferred one
        Assert.Contains($"Профспілка гірників {marker}", all); // UTF-8, not entities
        Assert.Contains($"Union &lt;b&gt;of&lt;/b&gt; &quot;Dockers&quot; {marker}", all);
        Assert.DoesNotContain("<b>of</b>", all);
        Assert.DoesNotContain(marker, narrowed[(narrowed.IndexOf("<ul class=\"recipients\">", StringComparison.Ordinal))..]);
        Assert.Contains($"Federação Única dos Petroleiros {marker}", byName);
        Assert.DoesNotContain($"Профспілка гірників {marker}", byName);
        Assert.Contains($"Профспілка гірників {marker}", byLanguage);
        Assert.DoesNotContain($"Petroleiros {marker}", byLanguage);
        Assert.Contains("receives it in <span lang=\"uk\" dir=\"ltr\">", byLanguage);
    }

    private static List<KeyValuePair<string, string>> Letter(string page, params Guid[] recipients)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("__RequestVerificationToken", Token(page)),
            new("FormKey", FormKey().Match(page).Groups[1].Value),
            new("Title", "Solidariedade com os mineiros"),
            new("Body", "Companheiras e companheiros,\r\ntoda a nossa solidariedade."),
            new("Language", "pt-BR"),
            new("Author", "Direção nacional"),
            new("Publish", "true"),
        };
        fields.AddRange(recipients.Select(r => new KeyValuePair<string, string>("Recipients", r.ToString())));
        return fields;
    }

    [Fact]
    public async Task A_submission_stores_one_message_with_its_event_even_when_posted_twice_and_shows_its_status()
    {
        var (recipient, _) = await CreateUnionAsync(Unique("Sintracarbón"), "CO", "es");
        var (browser, sender) = await SignedInAsync();
        var letter = Letter(await browser.GetStringAsync("/write"), recipient);

        var first = await PostFormAsync(browser, "/write", letter);
        var second = await PostFormAsync(browser, "/write", letter);

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        await using (var db = app.OpenDb())
        {
            var message = await db.Messages.Include(m => m.Recipients).SingleAsync(m => m.SenderUnionId == sender);
            Assert.Equal($"/write/messages/{message.Id}", first.Headers.Location!.OriginalString);
            Assert.Equal(("Solidariedade com os mineiros", "Companheiras e companheiros,\ntoda a nossa solidariedade.", "pt-BR", "Direção nacional", true),
                (message.Title, message.Body, message.Language, message.Author, message.Publish));
            Assert.Equal(recipient, Assert.Single(message.Recipients).UnionId);
            Assert.True(await app.Harness.WasPublishedAsync<MessageSubmitted>(e => e.Context.Message.MessageId == message.Id));
            Assert.Single(await app.Harness.Published.Recorded<MessageSubmitted>(), e => e.Context.Message.MessageId == message.Id);
        }

        var status = await browser.GetAsync(first.Headers.Location);
        var page = await status.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Contains("<h1 lang=\"pt-BR\" dir=\"ltr\">Solidariedade com os mineiros</h1>", page);
        Assert.Contains("<strong id=\"status\">received</strong>", page);
        Assert.Contains("<meta http-equiv=\"refresh\" content=\"10\">", page);
    }

    [Fact]
    public async Task Invalid_fields_are_shown_next_to_each_with_what_was_typed_and_nothing_is_stored()
    {
        var (browser, sender) = await SignedInAsync();
        var page = await browser.GetStringAsync("/write");
        var letter = Letter(page).Where(f => f.Key is not ("Title" or "Language")).ToList();
        letter.Add(new("Title", " "));
        letter.Add(new("Language", "not a language"));

        var refused = await PostFormAsync(browser, "/write", letter);
        var shown = await refused.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("role=\"alert\"", shown);
        Assert.Contains("<p class=\"error\" id=\"title-error\">The title is empty.</p>", shown);
        Assert.Contains("aria-describedby=\"title-error\"", shown);
        Assert.Contains("id=\"language-error\">&#x27;not a language&#x27; is not a BCP-47", shown);
        Assert.Contains("aria-describedby=\"language-hint language-error\"", shown);
        Assert.Contains("id=\"recipients-error\">A message needs at least one recipient", shown);
        Assert.Matches(">Companheiras e companheiros,&#xD;&#xA;toda a nossa solidariedade.</textarea>", shown);
        Assert.Contains("value=\"Direção nacional\"", shown);
        Assert.Contains("value=\"not a language\"", shown);
        Assert.DoesNotContain("lang=\"not a language\"", shown);

        var unknown = await PostFormAsync(browser, "/write", Letter(page, Guid.NewGuid()));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("id=\"recipients-error\">There is no union", await unknown.Content.ReadAsStringAsync());
        await using var db = app.OpenDb();
        Assert.False(await db.Messages.AnyAsync(m => m.SenderUnionId == sender));
    }

    [Fact]
    public async Task The_status_page_shows_a_union_its_own_message_and_no_other_union_s()
    {
        var (browser, sender) = await SignedInAsync();
        var (_, other) = await SignedInAsync();
        Guid mine, theirs;
        await using (var db = app.OpenDb())
        {
            var recipient = await db.AddUnionAsync(Unique("Sintracarbón"), "es");
            var senderUnion = await db.Unions.SingleAsync(u => u.Id == sender);
            var message = await db.AddMessageAsync(senderUnion, [recipient], MessageStatus.Delivered, language: "pt-BR");
            await db.AddTranslationAsync(message, "es", "Solidaridad <script>", "Compañeras y compañeros");
            db.Deliveries.Add(new Relay.Storage.Delivery
            {
                Id = Guid.NewGuid(), MessageId = message.Id, RecipientUnionId = recipient.Id, Address = recipient.Email, Language = "es",
                EmailMessageId = $"<{Guid.NewGuid():N}@relay.example>", At = DateTime.UtcNow, Status = DeliveryStatus.Sent, Detail = "250 2.0.0 OK", Attempts = 1,
            });
            await db.SaveChangesAsync();
            mine = message.Id;
            theirs = (await db.AddMessageAsync(await db.Unions.SingleAsync(u => u.Id == other), [recipient])).Id;
        }

        var page = await browser.GetStringAsync($"/write/messages/{mine}");

        Assert.Contains("<strong id=\"status\">delivered</strong>", page);
        Assert.Contains("Solidaridad &lt;script&gt;", page);
        Assert.Contains("250 2.0.0 OK", page);
        Assert.Contains("<td><span lang=\"es\" dir=\"ltr\">", page);
        Assert.DoesNotContain("http-equiv=\"refresh\"", page);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/write/messages/{theirs}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/write/messages/{Guid.NewGuid()}")).StatusCode);
    }
}
