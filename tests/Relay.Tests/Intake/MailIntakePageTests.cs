using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>
/// The pages of email intake: the unions' addresses on the form, and the review desk's page for an
/// email that named no recipient, where a coordinator picks them from the directory and sends it on.
/// </summary>
public partial class MailIntakePageTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    private static async Task<string> TokenAsync(HttpClient browser, string path) =>
        AntiforgeryToken().Match(await browser.GetStringAsync(path)).Groups[1].Value;

    private async Task<HttpClient> SignedInAsync()
    {
        var browser = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var signedIn = await browser.PostAsync("/review/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Name"] = "Ana Weber", ["Key"] = app.CoordinatorKey, ["__RequestVerificationToken"] = await TokenAsync(browser, "/review/sign-in"),
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return browser;
    }

    [Fact]
    public async Task A_coordinator_chooses_the_recipients_of_an_email_that_named_none_and_it_goes_on()
    {
        Union recipient;
        SolidarityMessage message;
        await using (var db = app.OpenDb())
        {
            var sender = await db.AddUnionAsync("Sintracarbón", "es");
            recipient = await db.AddUnionAsync("Zakhyst Pratsi " + Guid.NewGuid().ToString("N")[..6], "uk");
            message = await db.AddMessageAsync(sender, [], MessageStatus.AwaitingRecipients, language: null);
        }
        var browser = await SignedInAsync();
        var page = $"/review/recipients/{message.Id}";

        Assert.Contains(page, await browser.GetStringAsync("/review"));
        var form = await browser.GetStringAsync(page);
        Assert.Contains($"value=\"{recipient.Id}\"", form);
        Assert.Contains("<button type=\"submit\">Send on</button>", form);

        var none = await browser.PostAsync(page, new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = await TokenAsync(browser, page) }));
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Contains("Choose at least one union", await none.Content.ReadAsStringAsync());

        var sent = await browser.PostAsync(page, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Chosen"] = recipient.Id.ToString(), ["__RequestVerificationToken"] = await TokenAsync(browser, page),
        }));
        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        Assert.Equal($"/review/messages/{message.Id}", sent.Headers.Location!.OriginalString);

        await using (var db = app.OpenDb())
        {
            var stored = await db.Messages.Include(m => m.Recipients).SingleAsync(m => m.Id == message.Id);
            Assert.Equal(MessageStatus.Received, stored.Status);
            Assert.Equal([recipient.Id], stored.Recipients.Select(r => r.UnionId));
            var audit = await db.AuditLog.SingleAsync(a => a.MessageId == message.Id);
            Assert.Equal(("Ana Weber", AuditAction.ChooseRecipients, recipient.Name), (audit.Actor, audit.Action, audit.Detail));
        }
        Assert.True(await app.Harness.WasPublishedAsync<MessageSubmitted>(m => m.Context.Message.MessageId == message.Id
            && m.Context.Message.RecipientUnionIds.SequenceEqual(new[] { recipient.Id })));
        Assert.DoesNotContain(page, await browser.GetStringAsync("/review"));
    }

    [Fact]
    public async Task A_signed_in_union_is_shown_each_unions_email_address()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        string key;
        await using (var db = app.OpenDb())
        {
            key = ApiKeys.Generate();
            var writer = await db.AddUnionAsync("International Miners' Coordination " + suffix, "en");
            writer.ApiKeyHash = ApiKeys.Hash(key);
            await db.AddUnionAsync("Sintracarbón " + suffix, "es");
            await db.AddUnionAsync("Twin " + suffix, "en");
            await db.AddUnionAsync("twin " + suffix, "en");
            await db.SaveChangesAsync();
        }
        var browser = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var signedIn = await browser.PostAsync("/write/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Key"] = key, ["__RequestVerificationToken"] = await TokenAsync(browser, "/write/sign-in"),
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        var form = WebUtility.HtmlDecode(await browser.GetStringAsync("/write")); // Razor writes '+' as &#x2B;

        Assert.Contains($"<code>relay+sintracarbon-{suffix}@relay.test</code>", form);
        Assert.DoesNotContain($"relay+twin-{suffix}@", form); // two unions, one slug: neither is named by it
        Assert.DoesNotContain($"relay+international-miners-coordination-{suffix}@", form); // not to itself
    }

    [Fact]
    public async Task The_desk_lists_the_latest_emails_with_what_became_of_each()
    {
        var from = $"maria-{Guid.NewGuid():N}@people.example.net";
        await using (var db = app.OpenDb())
        {
            db.InboundMails.Add(new InboundMail
            {
                Key = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), From = from, Subject = "Declaration",
                Outcome = "refused", Detail = "attachments: declaration.pdf", ReceivedAt = DateTime.UtcNow, RepliedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        var browser = await SignedInAsync();

        var desk = WebUtility.HtmlDecode(await browser.GetStringAsync("/review"));

        Assert.Contains(from, desk);
        Assert.Contains("<strong>refused</strong>: attachments: declaration.pdf (answered ", desk);
    }
}
