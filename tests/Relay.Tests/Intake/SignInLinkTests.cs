using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>A union without its key at hand gets a sign-in link at its registered address, which signs in once.</summary>
public class SignInLinkTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    private async Task<(Guid Id, string Email)> CreateUnionAsync()
    {
        var email = $"u{Guid.NewGuid():N}@unions.example.org";
        var response = await app.ClientWithKey(app.CoordinatorKey).PostAsJsonAsync("/api/unions",
            new { name = $"Sindicato Mineiro {Guid.NewGuid().ToString("N")[..6]}", country = "BR", languages = new[] { "pt" }, email });
        return ((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid(), email);
    }

    private async Task<int> LinksAskedAsync(Guid union)
    {
        await using var db = app.OpenDb();
        return (await db.Outbox.Where(o => o.EventType == typeof(SignInLinkRequested).FullName).ToListAsync()).Count(o => o.Payload.Contains(union.ToString()));
    }

    private static async Task<string> AskAsync(HttpClient browser, string email)
    {
        var page = await browser.GetStringAsync("/write/sign-in");
        var response = await browser.PostFormAsync("/write/sign-in?handler=Link",
            new Dictionary<string, string> { ["Email"] = email, ["__RequestVerificationToken"] = PageForms.Token(page) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task A_link_is_asked_for_the_registered_address_only_and_the_answer_never_tells_whether_it_is_a_unions()
    {
        var (union, email) = await CreateUnionAsync();
        var browser = app.Browser();

        var known = await AskAsync(browser, email.ToUpperInvariant());
        var unknown = await AskAsync(browser, $"someone.{Guid.NewGuid():N}@example.org");

        Assert.Contains("a sign-in link is on its way", known);
        Assert.Contains("a sign-in link is on its way", unknown);
        Assert.Equal(1, await LinksAskedAsync(union));

        // Once a link went out, another is not sent within the minute, however often it is asked for.
        await using (var db = app.OpenDb())
            await db.Unions.Where(u => u.Id == union).ExecuteUpdateAsync(s => s.SetProperty(u => u.SignInLinkSentAt, DateTime.UtcNow));
        await AskAsync(browser, email);
        Assert.Equal(1, await LinksAskedAsync(union));
    }

    [Fact]
    public async Task The_link_signs_in_once_opening_it_spends_nothing_and_an_old_or_forged_one_does_not_sign_in()
    {
        var (union, _) = await CreateUnionAsync();
        var issued = DateTime.UtcNow;
        var link = new Uri(TestSecrets.SignInLinks.Url("http://localhost", union, issued)).AbsolutePath;
        var browser = app.Browser();

        var page = await browser.GetStringAsync(link);
        var opened = await browser.GetStringAsync(link);
        Assert.Contains("Sign in to write as", opened);
        var signedIn = await browser.PostFormAsync(link, new Dictionary<string, string> { ["__RequestVerificationToken"] = PageForms.Token(page) });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/write", signedIn.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/write")).StatusCode);

        var other = app.Browser();
        Assert.Contains("already used", await other.GetStringAsync(link));
        var again = await other.PostFormAsync(link, new Dictionary<string, string> { ["__RequestVerificationToken"] = PageForms.Token(await other.GetStringAsync("/write/sign-in")) });
        Assert.Contains("already used", await again.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await other.GetAsync("/write")).StatusCode);

        var expired = new Uri(TestSecrets.SignInLinks.Url("http://localhost", (await CreateUnionAsync()).Id, DateTime.UtcNow.AddMinutes(-31))).AbsolutePath;
        Assert.Contains("This link expired", await other.GetStringAsync(expired));
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync("/write/sign-in/link/" + new string('A', 43))).StatusCode);
    }
}
