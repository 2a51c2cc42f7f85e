using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Relay.Tests.Support;

namespace Relay.EndToEnd.Tests;

/// <summary>
/// The review desk driven in a real browser (Debian's Chromium, through Playwright), over the
/// real relay: a coordinator signs in, corrects the machine's Spanish translation of a held
/// message and approves it, and the recipient receives the corrected text.
/// </summary>
public class ReviewDeskBrowserTests(RelayProcesses relay) : IClassFixture<RelayProcesses>
{
    [Fact]
    public async Task A_coordinator_corrects_the_spanish_translation_in_the_browser_and_the_recipient_receives_the_correction()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var recipientEmail = $"sintracarbon-{tag}@unions.example.org";
        var sender = await relay.Api.CreateUnionAsync(relay.CoordinatorKey, $"International Miners' Coordination {tag}", "en", country: "DE");
        // This union asked that everything sent to it is read by a coordinator first.
        var recipient = await relay.Api.SendAsync(HttpMethod.Post, "/api/unions", relay.CoordinatorKey,
            new { name = $"Sintracarbón {tag}", country = "CO", languages = new[] { "es" }, email = recipientEmail, reviewIncoming = true },
            System.Net.HttpStatusCode.Created);
        var key = sender.GetProperty("apiKey").GetString()!;
        var title = $"{Seeds.Cerrejon.Title} ({tag})";
        var id = await relay.Api.SubmitAsync(key, new { recipients = new[] { recipient.GetProperty("id").GetGuid() }, title, body = Seeds.Cerrejon.Body, language = "en" });
        await WaitForStatusAsync(id, key, "held");
        const string correction = "Corrección de la coordinación: ¡Viva la huelga de El Cerrejón!";

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browsers.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();

        await page.GotoAsync($"{relay.BaseUrl}/review");
        Assert.EndsWith("/review/sign-in", new Uri(page.Url).AbsolutePath);
        await page.GetByLabel("Your name").FillAsync("Ana Weber");
        await page.GetByLabel("Coordinator key").FillAsync(relay.CoordinatorKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync($"{relay.BaseUrl}/review");

        await page.GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();
        await page.WaitForURLAsync($"{relay.BaseUrl}/review/messages/{id}");
        Assert.Contains("recipient-review", await page.Locator(".reasons").InnerTextAsync());
        var spanish = page.Locator("#body-es");
        var machine = await spanish.InputValueAsync();
        Assert.False(string.IsNullOrWhiteSpace(machine));
        await spanish.FillAsync(machine.TrimEnd() + "\n\n" + correction);
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve and send" }).ClickAsync();
        await page.Locator("[role=status]").WaitForAsync();
        Assert.Contains(await page.Locator("#status").InnerTextAsync(), new[] { "approved", "delivered" });

        // The recipient's email carries the corrected Spanish text, marked as a person's translation.
        var status = await WaitForStatusAsync(id, key, "delivered");
        var es = status.GetProperty("translations").EnumerateArray().Single(t => t.GetProperty("language").GetString() == "es");
        Assert.Equal(("human", "Ana Weber"), (es.GetProperty("origin").GetString(), es.GetProperty("provider").GetString()));
        using var maildev = new HttpClient { BaseAddress = new Uri(RelayProcesses.MaildevUrl) };
        var email = Assert.Single((await maildev.GetFromJsonAsync<List<JsonElement>>("/api/email"))!,
            m => m.GetProperty("to").EnumerateArray().Any(t => t.GetProperty("address").GetString() == recipientEmail));
        Assert.Contains(correction, email.GetProperty("text").GetString());

        // And the audit log says who did what.
        await page.GotoAsync($"{relay.BaseUrl}/review/audit");
        var audit = await page.Locator("table").InnerTextAsync();
        Assert.Contains("edit-translation", audit);
        Assert.Contains("Ana Weber", audit);
    }

    private async Task<JsonElement> WaitForStatusAsync(Guid id, string key, string wanted)
    {
        var current = "";
        for (var i = 0; i < 240; i++)
        {
            var status = await relay.Api.StatusAsync(id, key);
            current = status.GetProperty("status").GetString()!;
            if (current == wanted)
                return status;
            if (current is "rejected" or "failed")
                break;
            await Task.Delay(250);
        }
        Assert.Fail($"message {id} is {current}, not {wanted}\n{relay.Logs()}");
        return default;
    }
}
