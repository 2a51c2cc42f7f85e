using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>Who may call what: every API endpoint, a union's key against another union's message, and coordinator endpoints against union keys.</summary>
public class AuthorizationTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    /// <summary>The API endpoints anyone may call: the public directory and glossary, read-only.</summary>
    private static readonly HashSet<string> Public = ["GET /api/unions/", "GET /api/glossary/"];

    private static async Task<(Guid Id, string Key)> CreateUnionAsync(HttpClient coordinator)
    {
        var body = await (await coordinator.PostAsJsonAsync("/api/unions",
            new { name = $"Union {Guid.NewGuid():N}", country = "CO", languages = new[] { "es" }, email = $"u{Guid.NewGuid():N}@unions.example.org" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetGuid(), body.GetProperty("apiKey").GetString()!);
    }

    /// <summary>Every /api endpoint, as (method, path with its parameters filled in, the policy it requires).</summary>
    private IEnumerable<(string Method, string Path, string? Policy)> ApiEndpoints() =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(method => (
                method,
                "/" + string.Join('/', e.RoutePattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
                {
                    Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart l => l.Content,
                    Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart { Name: "language" } => "es",
                    _ => Guid.NewGuid().ToString(),
                })))),
                e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null))));

    private static HttpRequestMessage Request(string method, string path, string? key)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT")
            request.Content = JsonContent.Create(new { });
        if (key is not null)
            request.Headers.Authorization = new("Bearer", key);
        return request;
    }

    [Fact]
    public async Task Every_api_endpoint_but_the_public_directory_needs_a_key_and_coordinator_endpoints_refuse_a_unions_key()
    {
        var client = app.CreateClient();
        var (_, unionKey) = await CreateUnionAsync(app.ClientWithKey(app.CoordinatorKey));
        var endpoints = ApiEndpoints().ToList();
        Assert.True(endpoints.Count >= 20, $"only {endpoints.Count} API endpoints found");

        var wrong = new List<string>();
        foreach (var (method, path, policy) in endpoints)
        {
            var name = $"{method} {path}";
            var route = $"{method} /{string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => Guid.TryParse(s, out _) ? "{id}" : s))}";
            if (Public.Contains(method + " " + path.TrimEnd('/') + "/"))
                continue;
            var anonymous = await client.SendAsync(Request(method, path, null));
            var forged = await client.SendAsync(Request(method, path, "relay_not-a-key"));
            if (anonymous.StatusCode != HttpStatusCode.Unauthorized || forged.StatusCode != HttpStatusCode.Unauthorized)
                wrong.Add($"{route}: without a key {(int)anonymous.StatusCode}, with a forged key {(int)forged.StatusCode} (401 expected)");
            if (policy == "coordinator")
            {
                var asUnion = await client.SendAsync(Request(method, path, unionKey));
                if (asUnion.StatusCode != HttpStatusCode.Forbidden)
                    wrong.Add($"{route}: a union's key got {(int)asUnion.StatusCode} (403 expected)");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task A_unions_key_never_reads_or_changes_another_unions_message()
    {
        var coordinator = app.ClientWithKey(app.CoordinatorKey);
        var (_, ownerKey) = await CreateUnionAsync(coordinator);
        var (recipient, _) = await CreateUnionAsync(coordinator);
        var (_, otherKey) = await CreateUnionAsync(coordinator);
        var sent = await app.ClientWithKey(ownerKey).PostAsJsonAsync("/api/messages", new { recipients = new[] { recipient }, title = "Solidarity", body = Seeds.Cerrejon.Body });
        var id = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var other = app.ClientWithKey(otherKey);

        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithKey(ownerKey).GetAsync($"/api/messages/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/messages/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsJsonAsync($"/api/messages/{id}/approve", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.PutAsJsonAsync($"/api/messages/{id}/translations/es", new { title = "x", body = "y" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.ClientWithKey(ownerKey).PostAsJsonAsync($"/api/messages/{id}/takedown", new { reason = "x" })).StatusCode);
    }

    [Fact]
    public async Task A_rotated_or_revoked_union_key_stops_working_at_once_for_the_api_and_the_form_session()
    {
        var coordinator = app.ClientWithKey(app.CoordinatorKey);
        var (union, oldKey) = await CreateUnionAsync(coordinator);
        var browser = app.Browser();
        var signIn = await browser.GetStringAsync("/write/sign-in");
        await browser.PostFormAsync("/write/sign-in", new Dictionary<string, string> { ["Key"] = oldKey, ["__RequestVerificationToken"] = PageForms.Token(signIn) });
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/write")).StatusCode);
        // The old key has just been used, so the intake remembers whose it is: rotation must make it forget.
        Assert.Equal(HttpStatusCode.NotFound, (await app.ClientWithKey(oldKey).GetAsync($"/api/messages/{Guid.NewGuid()}")).StatusCode);

        var rotated = await coordinator.PostAsync($"/api/unions/{union}/key", null);
        var newKey = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;

        Assert.NotEqual(oldKey, newKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.ClientWithKey(oldKey).GetAsync($"/api/messages/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.ClientWithKey(newKey).GetAsync($"/api/messages/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/write")).StatusCode); // the session opened with the old key ended

        Assert.Equal(HttpStatusCode.NoContent, (await coordinator.DeleteAsync($"/api/unions/{union}/key")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.ClientWithKey(newKey).GetAsync($"/api/messages/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await coordinator.PostAsync($"/api/unions/{Guid.NewGuid()}/key", null)).StatusCode);
    }
}

/// <summary>Coordinator keys: made, listed without the key, revoked (ending the review sessions opened with them), never the last one.</summary>
public class CoordinatorKeyTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    [Fact]
    public async Task A_second_key_is_made_the_first_revoked_and_the_last_one_cannot_be_revoked()
    {
        var first = app.ClientWithKey(app.CoordinatorKey);
        var created = await first.PostAsJsonAsync("/api/coordinator-keys", new { label = "Ana Weber, laptop" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var issued = await created.Content.ReadFromJsonAsync<JsonElement>();
        var second = app.ClientWithKey(issued.GetProperty("apiKey").GetString()!);
        var list = await second.GetStringAsync("/api/coordinator-keys");
        Assert.Contains("Ana Weber, laptop", list);
        Assert.DoesNotContain(issued.GetProperty("apiKey").GetString()!, list);
        Assert.Equal(HttpStatusCode.BadRequest, (await second.PostAsJsonAsync("/api/coordinator-keys", new { label = " " })).StatusCode);

        // A review-desk session opened with the first key ends when it is revoked.
        var browser = app.Browser();
        var signIn = await browser.GetStringAsync("/review/sign-in");
        await browser.PostFormAsync("/review/sign-in", new Dictionary<string, string>
            { ["Key"] = app.CoordinatorKey, ["Name"] = "Ana", ["__RequestVerificationToken"] = PageForms.Token(signIn) });
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/review")).StatusCode);
        var firstId = JsonDocument.Parse(list).RootElement.EnumerateArray().Single(k => k.GetProperty("label").GetString() != "Ana Weber, laptop").GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.NoContent, (await second.DeleteAsync($"/api/coordinator-keys/{firstId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await first.GetAsync("/api/review")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/review")).StatusCode);

        var last = await second.DeleteAsync($"/api/coordinator-keys/{issued.GetProperty("id").GetGuid()}");
        Assert.Equal(HttpStatusCode.Conflict, last.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/review")).StatusCode);
    }
}
