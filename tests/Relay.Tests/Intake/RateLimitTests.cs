using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>Rate limits per key and per address (429, Retry-After, problem details), the emailing forms' own limit, and the daily caps.</summary>
public class RateLimitTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    private WebApplicationFactory<Relay.Intake.IntakeOptions> With(params (string Key, string Value)[] settings) =>
        app.WithWebHostBuilder(b => { foreach (var (key, value) in settings) b.UseSetting(key, value); });

    private static async Task<(Guid Id, string Key, string Email)> CreateUnionAsync(HttpClient coordinator)
    {
        var email = $"u{Guid.NewGuid():N}@unions.example.org";
        var body = await (await coordinator.PostAsJsonAsync("/api/unions",
            new { name = $"Union {Guid.NewGuid():N}", country = "CO", languages = new[] { "es" }, email })).Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetGuid(), body.GetProperty("apiKey").GetString()!, email);
    }

    private static HttpClient WithKey(WebApplicationFactory<Relay.Intake.IntakeOptions> factory, string key)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }

    [Fact]
    public async Task A_key_over_its_limit_gets_429_with_retry_after_and_other_keys_and_health_checks_go_on()
    {
        var (_, key, _) = await CreateUnionAsync(app.ClientWithKey(app.CoordinatorKey));
        await using var limited = With(("RateLimits:PerKeyPerMinute", "5"));
        var client = WithKey(limited, key);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 8; i++)
            answers.Add(await client.GetAsync($"/api/messages/{Guid.NewGuid()}"));

        Assert.Equal(5, answers.Count(a => a.StatusCode == HttpStatusCode.NotFound));
        var refused = answers.Last();
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single()) >= 1);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.Contains("try again in", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await WithKey(limited, app.CoordinatorKey).GetAsync("/api/unions")).StatusCode);
        for (var i = 0; i < 10; i++)
            Assert.Equal(HttpStatusCode.OK, (await limited.CreateClient().GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task The_forms_that_email_someone_refuse_an_address_that_posts_too_often()
    {
        await using var limited = With(("RateLimits:FormPostsPerTenMinutes", "2"));
        var browser = limited.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await browser.GetStringAsync("/write/sign-in");
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
            codes.Add((await browser.PostFormAsync("/write/sign-in?handler=Link",
                new Dictionary<string, string> { ["Email"] = $"x{i}@example.org", ["__RequestVerificationToken"] = PageForms.Token(page) })).StatusCode);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], codes);
        // Reading the forms is not limited by it.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/support")).StatusCode);
    }

    [Fact]
    public async Task Behind_a_proxy_that_forwards_the_client_address_each_address_is_limited_on_its_own()
    {
        // deploy/k8s runs intake behind an Ingress with ASPNETCORE_FORWARDEDHEADERS_ENABLED=true: without it
        // every request would come from the ingress controller's address, and all readers share one limit.
        await using var limited = With(("FORWARDEDHEADERS_ENABLED", "true"), ("RateLimits:FormPostsPerTenMinutes", "2"));
        var browser = limited.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await browser.GetStringAsync("/write/sign-in");
        var sent = 0;
        async Task<HttpStatusCode> PostFrom(string address)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/write/sign-in?handler=Link")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["Email"] = $"p{sent++}@example.org", ["__RequestVerificationToken"] = PageForms.Token(page),
                }),
            };
            request.Headers.Add("X-Forwarded-For", address);
            return (await browser.SendAsync(request)).StatusCode;
        }

        var fromOne = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
            fromOne.Add(await PostFrom("203.0.113.7"));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], fromOne);
        Assert.Equal(HttpStatusCode.OK, await PostFrom("198.51.100.9"));
    }

    [Fact]
    public async Task One_address_holds_at_most_three_unconfirmed_messages_so_the_form_cannot_flood_an_inbox()
    {
        var (recipient, _, _) = await CreateUnionAsync(app.ClientWithKey(app.CoordinatorKey));
        var victim = $"victim.{Guid.NewGuid():N}@example.org";
        var browser = app.Browser();
        var statuses = new List<HttpStatusCode>();
        string last = "";
        for (var i = 0; i < 4; i++)
        {
            var form = await browser.GetStringAsync("/support");
            var response = await browser.PostFormAsync("/support", new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = PageForms.Token(form), ["FormKey"] = PageForms.FormKey(form),
                ["Name"] = "Someone", ["Email"] = i % 2 == 0 ? victim : victim.ToUpperInvariant(), ["Recipients"] = recipient.ToString(),
                ["Title"] = $"Letter {i}", ["Body"] = Seeds.Cerrejon.Body,
            });
            statuses.Add(response.StatusCode);
            last = await response.Content.ReadAsStringAsync();
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.BadRequest], statuses);
        Assert.Contains("still waiting to be confirmed at this address", last);
        await using var db = app.OpenDb();
        Assert.Equal(3, await db.Messages.CountAsync(m => m.ConfirmationAddress!.ToLower() == victim));
    }

    [Fact]
    public async Task A_union_over_its_daily_recipients_gets_429_and_nothing_is_stored()
    {
        await using var limited = With(("RateLimits:RecipientsPerUnionPerDay", "3"));
        var coordinator = WithKey(limited, app.CoordinatorKey);
        var (_, key, _) = await CreateUnionAsync(coordinator);
        var recipients = new List<Guid>();
        for (var i = 0; i < 3; i++)
            recipients.Add((await CreateUnionAsync(coordinator)).Id);
        var client = WithKey(limited, key);

        var first = await client.PostAsJsonAsync("/api/messages", new { recipients = recipients.Take(2), title = "Solidarity", body = Seeds.Cerrejon.Body });
        var second = await client.PostAsJsonAsync("/api/messages", new { recipients = recipients.Skip(1), title = "Solidarity again", body = Seeds.Cerrejon.Body });

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.True(int.Parse(second.Headers.GetValues("Retry-After").Single()) > 3600 * 23);
        Assert.Contains("at most 3 a day", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        await using var db = app.OpenDb();
        Assert.False(await db.Messages.AnyAsync(m => m.Title == "Solidarity again"));
    }
}
