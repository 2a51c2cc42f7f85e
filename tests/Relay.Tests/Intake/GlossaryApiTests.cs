using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Relay.Contracts;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

public class GlossaryApiTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    private HttpClient Coordinator => app.ClientWithKey(app.CoordinatorKey);

    [Fact]
    public async Task A_coordinator_keeps_the_glossary()
    {
        var term = "Sintracarbón " + Guid.NewGuid().ToString("N")[..6];
        var created = await Coordinator.PostAsJsonAsync("/api/glossary", new { term, note = "Colombian coal miners' union", renderings = new Dictionary<string, string> { ["en"] = "Sintracarbon" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.Conflict, (await Coordinator.PostAsJsonAsync("/api/glossary", new { term })).StatusCode);
        var list = await Coordinator.GetFromJsonAsync<JsonElement>("/api/glossary");
        var entry = Assert.Single(list.EnumerateArray(), e => e.GetProperty("id").GetGuid() == id);
        Assert.Equal("Sintracarbon", entry.GetProperty("renderings").GetProperty("en").GetString());

        var replaced = await Coordinator.PutAsJsonAsync($"/api/glossary/{id}", new { term, renderings = new Dictionary<string, string> { ["fr"] = "Sintracarbón" } });
        var view = await replaced.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(view.GetProperty("renderings").TryGetProperty("en", out _));
        Assert.Equal("Sintracarbón", view.GetProperty("renderings").GetProperty("fr").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await Coordinator.DeleteAsync($"/api/glossary/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Coordinator.DeleteAsync($"/api/glossary/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_bad_term_is_refused_with_the_reason()
    {
        var response = await Coordinator.PostAsJsonAsync("/api/glossary", new { term = "X", renderings = new Dictionary<string, string> { ["spanish"] = "X" } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'spanish' is not a BCP-47", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Only_coordinators_see_the_glossary_and_the_usage()
    {
        string unionKey = ApiKeys.Generate();
        await using (var db = app.OpenDb())
        {
            var union = await db.AddUnionAsync("Union", "en");
            union.ApiKeyHash = ApiKeys.Hash(unionKey);
            await db.SaveChangesAsync();
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await app.ClientWithKey(unionKey).GetAsync("/api/glossary")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.ClientWithKey(unionKey).GetAsync("/api/translation/usage")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync("/api/glossary")).StatusCode);
    }

    [Fact]
    public async Task Coordinators_see_the_characters_sent_to_each_provider_per_day()
    {
        await using (var db = app.OpenDb())
        {
            db.ProviderUsage.Add(new ProviderUsage { Provider = "azure", Day = DateOnly.FromDateTime(DateTime.UtcNow), Characters = 12_345, Requests = 3 });
            await db.SaveChangesAsync();
        }

        var usage = await Coordinator.GetFromJsonAsync<JsonElement>("/api/translation/usage");

        var azure = Assert.Single(usage.EnumerateArray(), u => u.GetProperty("provider").GetString() == "azure");
        Assert.Equal((12_345, 3), (azure.GetProperty("characters").GetInt64(), azure.GetProperty("requests").GetInt32()));
    }

    [Fact]
    public async Task A_coordinator_can_ask_for_another_translation_attempt_of_a_waiting_message()
    {
        Guid waiting, done;
        await using (var db = app.OpenDb())
        {
            var sender = await db.AddUnionAsync("Sender", "en");
            var recipient = await db.AddUnionAsync("Recipient", "uk");
            waiting = (await db.AddMessageAsync(sender, [recipient], MessageStatus.AwaitingTranslation)).Id;
            done = (await db.AddMessageAsync(sender, [recipient], MessageStatus.Delivered)).Id;
        }

        Assert.Equal(HttpStatusCode.Accepted, (await Coordinator.PostAsync($"/api/messages/{waiting}/translation/retry", null)).StatusCode);
        Assert.True(await app.Harness.WasPublishedAsync<TranslationRetryRequested>(m => m.Context.Message.MessageId == waiting));
        Assert.Equal(HttpStatusCode.Conflict, (await Coordinator.PostAsync($"/api/messages/{done}/translation/retry", null)).StatusCode);
    }
}
