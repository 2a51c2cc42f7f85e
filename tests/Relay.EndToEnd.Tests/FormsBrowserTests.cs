using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Relay.Tests.Support;
using Xunit.Abstractions;

namespace Relay.EndToEnd.Tests;

/// <summary>
/// The two ways to write without the API, in a real browser with JavaScript off, over the real relay:
/// a union signs in to /write, searches the directory without losing its text, sends, follows the
/// status page to delivered and reads the publication in Spanish; a supporter writes through
/// /support, confirms with the emailed link, and the message waits for a coordinator. axe-core audits
/// every page of both forms. Screenshots are kept as the tests' artifacts.
/// </summary>
public partial class FormsBrowserTests(RelayProcesses relay, ITestOutputHelper output) : IClassFixture<RelayProcesses>
{
    private static readonly string Artifacts = Browsers.Artifacts("forms");

    [GeneratedRegex(@"http://\S+/confirm/\S+")]
    private static partial Regex ConfirmationLink();

    [Fact]
    public async Task A_union_writes_through_the_form_follows_it_to_delivered_and_reads_it_published_in_spanish()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var sender = await relay.Api.CreateUnionAsync(relay.CoordinatorKey, $"International Miners' Coordination {tag}", "en", country: "DE");
        var recipientName = $"Sintracarbón {tag}";
        await relay.Api.CreateUnionAsync(relay.CoordinatorKey, recipientName, "es", country: "CO");
        await relay.Api.CreateUnionAsync(relay.CoordinatorKey, $"CGT {tag}", "es", country: "ES");
        var key = sender.GetProperty("apiKey").GetString()!;
        var title = $"{Seeds.Cerrejon.Title} ({tag})";

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browsers.LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(new() { JavaScriptEnabled = false, Locale = "en-GB" });
        var page = await context.NewPageAsync();

        await page.GotoAsync($"{relay.BaseUrl}/write");
        Assert.EndsWith("/write/sign-in?ReturnUrl=%2Fwrite", page.Url);
        await page.GetByLabel("Your union's API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "New message" }).WaitForAsync();
        Assert.Equal("en", await page.GetByLabel("Language it is written in").InputValueAsync());

        // Text first, then a search of the directory: the text stays.
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync(Seeds.Cerrejon.Body);
        await page.GetByLabel("Search the directory of unions").FillAsync($"sintracarbon {tag}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await page.Locator("#recipients-hint").Filter(new() { HasText = "1 of" }).WaitForAsync();
        Assert.Equal(title, await page.GetByLabel("Title").InputValueAsync());
        Assert.Equal(Seeds.Cerrejon.Body.Replace("\r\n", "\n"), (await page.GetByLabel("Message", new() { Exact = true }).InputValueAsync()).Replace("\r\n", "\n"));
        Assert.Equal(0, await page.GetByText($"CGT {tag}").CountAsync());
        await page.GetByLabel($"{recipientName} (CO)").CheckAsync();
        await page.GetByLabel("Publish it on Relay's public site too").CheckAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "write.png"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();

        // The status page follows the message (it refreshes itself; the test reloads it rather than wait 10 s).
        await page.Locator("#status").WaitForAsync();
        var id = Guid.Parse(page.Url.Split('/')[^1]);
        for (var i = 0; i < 90 && await page.Locator("#status").InnerTextAsync() != "delivered"; i++)
        {
            await Task.Delay(1000);
            await page.ReloadAsync();
        }
        Assert.Equal("delivered", await page.Locator("#status").InnerTextAsync());
        Assert.Contains(recipientName, await page.Locator("main").InnerTextAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "status-delivered.png"), FullPage = true });

        // Read on the public site, then in Spanish.
        await relay.WaitAsync("the message published", async () => (await relay.Http.GetAsync($"{relay.BaseUrl}/messages/{id}")).IsSuccessStatusCode);
        await page.GotoAsync($"{relay.BaseUrl}/messages/{id}?lang=en");
        Assert.Equal(title, await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Select language" }).GetByRole(AriaRole.Link, new() { Name = "Español" }).ClickAsync();
        // The navigation's commit, not its load event, which now and then never came with JavaScript off.
        await page.WaitForURLAsync($"{relay.BaseUrl}/messages/{id}?lang=es", new() { WaitUntil = WaitUntilState.Commit });
        Assert.Equal("es", await page.Locator("html").GetAttributeAsync("lang"));
        Assert.NotEqual(title, await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "published-es.png"), FullPage = true });

        // The audit runs axe-core in the page, so this context has JavaScript (and signs in again).
        await using var audited = await browser.NewContextAsync();
        var auditPage = await audited.NewPageAsync();
        var signIn = $"{relay.BaseUrl}/write/sign-in";
        var failures = await Browsers.SeriousViolationsAsync(auditPage, Artifacts, output.WriteLine, ("sign-in", signIn));
        await auditPage.GotoAsync(signIn);
        await auditPage.GetByLabel("Your union's API key").FillAsync(key);
        await auditPage.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await auditPage.WaitForURLAsync($"{relay.BaseUrl}/write");
        failures.AddRange(await Browsers.SeriousViolationsAsync(auditPage, Artifacts, output.WriteLine,
            ("write", $"{relay.BaseUrl}/write"), ("status", $"{relay.BaseUrl}/write/messages/{id}")));
        Assert.True(failures.Count == 0, "axe-core found serious or critical violations:\n" + string.Join("\n", failures));

        // A wrong key is logged as such, never the key; nor any key or secret this run used.
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await relay.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"{relay.BaseUrl}/api/review")
            { Headers = { Authorization = new("Bearer", key + "x") } })).StatusCode);
        relay.AssertNoSecretsInLogs(key, key + "x");
    }

    [Fact]
    public async Task A_supporter_writes_confirms_with_the_emailed_link_and_the_message_waits_for_a_coordinator()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var recipientName = $"Sindicato Mineiro {tag}";
        await relay.Api.CreateUnionAsync(relay.CoordinatorKey, recipientName, "pt", country: "BR");
        var email = $"ana-{tag}@supporters.example.org";

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browsers.LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(new() { JavaScriptEnabled = false, Locale = "en-GB" });
        var page = await context.NewPageAsync();

        await page.GotoAsync($"{relay.BaseUrl}/support");
        await page.GetByLabel("Your name").FillAsync("Ana Souza");
        await page.GetByLabel("Organisation (optional)").FillAsync("Lisbon miners' support committee");
        await page.GetByLabel("Your email address").FillAsync(email);
        await page.GetByLabel($"{recipientName} (BR)").CheckAsync();
        await page.GetByLabel("Title").FillAsync($"Solidarity with the miners ({tag})");
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync(Seeds.Cerrejon.Body);
        await page.GetByLabel("Language it is written in").FillAsync("en");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Check your email" }).WaitForAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "support-sent.png"), FullPage = true });

        using var maildev = new HttpClient { BaseAddress = new Uri(RelayProcesses.MaildevUrl) };
        string? link = null;
        await relay.WaitAsync("the confirmation email", async () =>
        {
            var emails = (await maildev.GetFromJsonAsync<List<JsonElement>>("/api/email"))!
                .Where(m => m.GetProperty("to").EnumerateArray().Any(t => t.GetProperty("address").GetString() == email)).ToList();
            link = emails.Select(m => ConfirmationLink().Match(m.GetProperty("text").GetString()!).Value).FirstOrDefault(l => l.Length > 0);
            return link is not null;
        });
        await page.GotoAsync(link!);
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm and send" }).ClickAsync();
        await page.GetByText("the message is confirmed and goes on").WaitForAsync();

        // Moderation holds a supporter's message for a coordinator; the same link shows it.
        var id = await MessageIdAsync($"Solidarity with the miners ({tag})");
        await relay.WaitAsync("the message held", async () =>
            (await relay.Api.StatusAsync(id, relay.CoordinatorKey)).GetProperty("status").GetString() == "held");
        var status = await relay.Api.StatusAsync(id, relay.CoordinatorKey);
        Assert.Contains(status.GetProperty("moderation").GetProperty("reasons").EnumerateArray(), r => r.GetString()!.StartsWith("unverified-sender:"));
        Assert.Equal(("supporter", "Ana Souza (Lisbon miners' support committee)"),
            (status.GetProperty("sender").GetProperty("kind").GetString(), status.GetProperty("sender").GetProperty("name").GetString()));
        await page.GotoAsync(link!);
        Assert.Contains("a coordinator is reading it", await page.Locator("#progress").InnerTextAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "confirmed-held.png"), FullPage = true });

        await using var audited = await browser.NewContextAsync();
        var failures = await Browsers.SeriousViolationsAsync(await audited.NewPageAsync(), Artifacts, output.WriteLine,
            ("support", $"{relay.BaseUrl}/support"), ("confirm", link!));
        Assert.True(failures.Count == 0, "axe-core found serious or critical violations:\n" + string.Join("\n", failures));
        relay.AssertNoSecretsInLogs(link!.Split('/')[^1]);
    }

    private async Task<Guid> MessageIdAsync(string title)
    {
        var review = await relay.Api.SendAsync(HttpMethod.Get, "/api/review", relay.CoordinatorKey);
        for (var i = 0; i < 60; i++)
        {
            var held = review.EnumerateArray().FirstOrDefault(m => m.GetProperty("title").GetString() == title);
            if (held.ValueKind == JsonValueKind.Object)
                return held.GetProperty("id").GetGuid();
            await Task.Delay(1000);
            review = await relay.Api.SendAsync(HttpMethod.Get, "/api/review", relay.CoordinatorKey);
        }
        throw new InvalidOperationException($"'{title}' never reached the review queue.\n{relay.Logs()}");
    }
}
