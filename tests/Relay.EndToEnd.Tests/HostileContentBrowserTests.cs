using System.Text.Json;
using Microsoft.Playwright;
using Relay.Tests.Support;

namespace Relay.EndToEnd.Tests;

/// <summary>A relay whose moderation lets markup and script through, so that they reach every page and only escaping stands in the way.</summary>
public sealed class PermissiveRelay : RelayProcesses
{
    protected override IEnumerable<(string Name, string Value)> Settings(string service) =>
        service == "Relay.Moderation" ? [("Moderation__Disabled", "script,markup,links,length,gibberish,blocklist,rate,duplicate,language-mismatch,language-uncertain")] : [];
}

/// <summary>
/// Markup and script in every field a person or a translation can fill (union names, title, body,
/// author, and the machine translation made from them) are rendered as text on every page that shows them, checked
/// in Chromium with JavaScript on: no dialog opens, no injected element exists, no script runs.
/// </summary>
public class HostileContentBrowserTests(PermissiveRelay relay) : IClassFixture<PermissiveRelay>
{
    private const string Script = "<script>window.__pwned=1;alert(1)</script>";
    private const string Image = "<img src=x onerror=\"window.__pwned=1;alert(2)\">";
    private const string Breakout = "\"><svg onload=\"window.__pwned=1;alert(3)\">";

    [Fact]
    public async Task Markup_and_script_in_every_field_are_shown_as_text_on_every_page_and_never_run()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var sender = await relay.Api.CreateUnionAsync(relay.CoordinatorKey, $"Sender {Image} {tag}", "en", country: "DE");
        var recipient = await relay.Api.CreateUnionAsync(relay.CoordinatorKey, $"Recipient {Breakout} {tag}", "es", country: "CO");
        var key = sender.GetProperty("apiKey").GetString()!;
        var title = $"Solidarity {Script} {tag}";
        var id = await relay.Api.SubmitAsync(key, new
        {
            recipients = new[] { recipient.GetProperty("id").GetGuid() }, title, language = "en", publish = true,
            body = $"{Seeds.Cerrejon.Body}\n\n{Script}\n{Image}\n{Breakout}", author = $"Ana {Breakout}",
        });
        await relay.WaitAsync("the message published", async () =>
            (await relay.Api.StatusAsync(id, key)).GetProperty("publication").TryGetProperty("url", out var url) && url.ValueKind == JsonValueKind.String);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browsers.LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) => { dialogs.Add(dialog.Message); await dialog.DismissAsync(); };

        // The union's own pages: the form and the status page, after signing in.
        await page.GotoAsync($"{relay.BaseUrl}/write/sign-in");
        await page.GetByLabel("Your union's API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync($"{relay.BaseUrl}/write");

        var pages = new[]
        {
            "/?lang=en", "/?lang=es", $"/?union={recipient.GetProperty("id").GetGuid()}", "/?country=CO", $"/messages/{id}?lang=en", $"/messages/{id}?lang=es",
            "/write", $"/write?q={Uri.EscapeDataString(tag)}", $"/write/messages/{id}",
        };
        foreach (var path in pages)
        {
            await page.GotoAsync(relay.BaseUrl + path);
            Assert.Equal(0, await page.EvaluateAsync<int>("() => document.scripts.length"));
            Assert.Equal(0, await page.Locator("main img, main svg, [onerror], [onload]").CountAsync());
            Assert.Null(await page.EvaluateAsync<object?>("() => window.__pwned ?? null"));
        }
        // And the text is there, as text.
        await page.GotoAsync($"{relay.BaseUrl}/messages/{id}?lang=en");
        Assert.Equal(title, await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        Assert.Contains(Image, await page.Locator("article").InnerTextAsync());
        Assert.Contains($"Recipient {Breakout} {tag}", await page.Locator("article .meta").InnerTextAsync());

        // The feed carries the text escaped: a feed reader parses it as text, not markup.
        var feed = await relay.Http.GetStringAsync($"{relay.BaseUrl}/feed.atom?lang=en");
        Assert.DoesNotContain(Script, feed);
        Assert.Contains("&lt;script&gt;", feed);
        Assert.Empty(dialogs);
    }
}
