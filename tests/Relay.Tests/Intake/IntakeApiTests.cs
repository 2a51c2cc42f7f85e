using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

public class IntakeApiTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    private HttpClient Coordinator => app.ClientWithKey(app.CoordinatorKey);

    private async Task<(Guid Id, string Key)> CreateUnionAsync(string name, params string[] languages)
    {
        var response = await Coordinator.PostAsJsonAsync("/api/unions",
            new { name, country = "CO", languages, email = $"u{Guid.NewGuid():N}@unions.example.org" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetGuid(), body.GetProperty("apiKey").GetString()!);
    }

    private static object Letter(params Guid[] recipients) =>
        new { recipients, title = Seeds.Cerrejon.Title, body = Seeds.Cerrejon.Body, language = "en", author = "Andreas", publish = true };

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Ready_once_database_and_bus_answer() =>
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/health/ready")).StatusCode);

    [Fact]
    public async Task Only_a_coordinator_adds_unions()
    {
        var union = await CreateUnionAsync("Sintracarbón", "es");
        var request = new { name = "X", country = "CO", languages = new[] { "es" }, email = "x@unions.example.org" };

        var anonymous = await ProblemAsync(await app.CreateClient().PostAsJsonAsync("/api/unions", request), HttpStatusCode.Unauthorized);
        Assert.Contains("needs an API key", anonymous.GetProperty("detail").GetString());
        await ProblemAsync(await app.ClientWithKey("relay_wrong").PostAsJsonAsync("/api/unions", request), HttpStatusCode.Unauthorized);
        await ProblemAsync(await app.ClientWithKey(union.Key).PostAsJsonAsync("/api/unions", request), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_directory_lists_unions_without_their_addresses_and_keys_are_stored_hashed()
    {
        var email = $"secret{Guid.NewGuid():N}@unions.example.org";
        var response = await Coordinator.PostAsJsonAsync("/api/unions", new { name = "Zakhyst Pratsi", country = "UA", languages = new[] { "uk", "en" }, email });
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var key = created.GetProperty("apiKey").GetString()!;

        var directory = await app.CreateClient().GetStringAsync("/api/unions");
        Assert.Contains("Zakhyst Pratsi", directory);
        Assert.DoesNotContain(email, directory);
        Assert.DoesNotContain(key, directory);

        await using var db = app.OpenDb();
        var stored = await db.Unions.SingleAsync(u => u.Email == email);
        Assert.Equal(new[] { "uk", "en" }, stored.Languages);
        Assert.Equal(ApiKeys.Hash(key), stored.ApiKeyHash);
        Assert.DoesNotContain(key, stored.ApiKeyHash);
    }

    [Fact]
    public async Task A_union_can_ask_that_every_message_to_it_is_reviewed_first()
    {
        var response = await Coordinator.PostAsJsonAsync("/api/unions",
            new { name = "Careful union", country = "ES", languages = new[] { "es" }, email = $"u{Guid.NewGuid():N}@unions.example.org", reviewIncoming = true });
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetGuid();
        Assert.True((await Coordinator.GetFromJsonAsync<JsonElement>($"/api/unions/{id}")).GetProperty("reviewIncoming").GetBoolean());

        var changed = await Coordinator.PutAsJsonAsync($"/api/unions/{id}/review-incoming", new { reviewIncoming = false });
        Assert.False((await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reviewIncoming").GetBoolean());
        await using (var db = app.OpenDb())
            Assert.False((await db.Unions.SingleAsync(u => u.Id == id)).ReviewIncoming);

        var byUnion = await app.ClientWithKey(created.GetProperty("apiKey").GetString()!).PutAsJsonAsync($"/api/unions/{id}/review-incoming", new { reviewIncoming = true });
        Assert.Equal(HttpStatusCode.Forbidden, byUnion.StatusCode);
        Assert.False((await Coordinator.GetFromJsonAsync<JsonElement>($"/api/unions/{(await CreateUnionAsync("Plain union", "es")).Id}")).GetProperty("reviewIncoming").GetBoolean());
    }

    [Fact]
    public async Task A_bad_union_gets_a_problem_naming_the_field()
    {
        var problem = await ProblemAsync(await Coordinator.PostAsJsonAsync("/api/unions",
            new { name = "X", country = "ZZ", languages = new[] { "es" }, email = "x@unions.example.org" }), HttpStatusCode.BadRequest);
        Assert.Contains("'ZZ' is not an ISO 3166 alpha-2 country code", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_submission_is_stored_with_its_event_before_the_202_and_the_event_is_published()
    {
        var sender = await CreateUnionAsync("Miners' Coordination", "en");
        var recipient = await CreateUnionAsync("Sintracarbón", "es");

        var response = await app.ClientWithKey(sender.Key).PostAsJsonAsync("/api/messages", Letter(recipient.Id));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = accepted.GetProperty("id").GetGuid();
        Assert.Equal("received", accepted.GetProperty("status").GetString());
        Assert.Equal($"/api/messages/{id}", response.Headers.Location?.ToString());

        await using (var db = app.OpenDb())
        {
            var message = await db.Messages.Include(m => m.Recipients).SingleAsync(m => m.Id == id);
            Assert.Equal(sender.Id, message.SenderUnionId);
            Assert.Equal(recipient.Id, Assert.Single(message.Recipients).UnionId);
            Assert.Contains(await db.Outbox.Where(o => o.EventType == typeof(MessageSubmitted).FullName).ToListAsync(),
                o => o.Payload.Contains(id.ToString()));
        }
        Assert.True(await app.Harness.WasPublishedAsync<MessageSubmitted>(m => m.Context.Message.MessageId == id));
    }

    public static TheoryData<string, string> BadSubmissions => new()
    {
        { """{"recipients":[],"title":"T","body":"B"}""", "at least one recipient" },
        { """{"recipients":["RECIPIENT"],"title":"","body":"B"}""", "title is empty" },
        { """{"recipients":["RECIPIENT"],"title":"T","body":""}""", "body is empty" },
        { """{"recipients":["RECIPIENT"],"title":"T\r\nBcc: x@example.org","body":"B"}""", "line breaks" },
        { """{"recipients":["RECIPIENT"],"title":"T","body":"B","language":"klingon!"}""", "not a BCP-47" },
        { """{"recipients":["RECIPIENT"],"title":"T","body":"B","author":"A\nB"}""", "author may not contain line breaks" },
        { """{"recipients":["00000000-0000-0000-0000-000000000001"],"title":"T","body":"B"}""", "no union 00000000-0000-0000-0000-000000000001" },
        { """{"recipients":["boss@example.org"],"title":"T","body":"B"}""", "'boss@example.org' is not a union id" },
        { """{"recipients":"RECIPIENT","title":"T","body":"B"}""", "not valid JSON" },
        { """{"recipients":["RECIPIENT"],"title":"T","body":""", "not valid JSON" },
        { """not json at all""", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadSubmissions))]
    public async Task Bad_input_gets_400_with_a_clear_detail_and_stores_nothing(string json, string expected)
    {
        var sender = await CreateUnionAsync("Sender", "en");
        var recipient = await CreateUnionAsync("Recipient", "es");
        var content = new StringContent(json.Replace("RECIPIENT", recipient.Id.ToString()), Encoding.UTF8, "application/json");

        var problem = await ProblemAsync(await app.ClientWithKey(sender.Key).PostAsync("/api/messages", content), HttpStatusCode.BadRequest);

        Assert.Contains(expected, problem.GetProperty("detail").GetString());
        await using var db = app.OpenDb();
        Assert.False(await db.Messages.AnyAsync(m => m.SenderUnionId == sender.Id));
    }

    [Fact]
    public async Task Submitting_needs_a_union_key()
    {
        var recipient = await CreateUnionAsync("Recipient", "es");
        await ProblemAsync(await app.CreateClient().PostAsJsonAsync("/api/messages", Letter(recipient.Id)), HttpStatusCode.Unauthorized);
        await ProblemAsync(await app.ClientWithKey("relay_not-a-key").PostAsJsonAsync("/api/messages", Letter(recipient.Id)), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_union_sees_its_own_messages_only_and_a_coordinator_sees_all()
    {
        var sender = await CreateUnionAsync("Sender", "en");
        var other = await CreateUnionAsync("Other", "es");
        var response = await app.ClientWithKey(sender.Key).PostAsJsonAsync("/api/messages", Letter(other.Id));
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var own = await app.ClientWithKey(sender.Key).GetFromJsonAsync<JsonElement>($"/api/messages/{id}");
        Assert.Equal("received", own.GetProperty("status").GetString());
        foreach (var field in new[] { "translations", "moderation", "deliveries", "publication", "language" })
            Assert.True(own.TryGetProperty(field, out _), $"status has no {field}");

        await ProblemAsync(await app.ClientWithKey(other.Key).GetAsync($"/api/messages/{id}"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await Coordinator.GetAsync($"/api/messages/{id}")).StatusCode);
        await ProblemAsync(await app.CreateClient().GetAsync($"/api/messages/{id}"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_same_message()
    {
        var sender = await CreateUnionAsync("Sender", "en");
        var recipient = await CreateUnionAsync("Recipient", "es");
        var client = app.ClientWithKey(sender.Key);
        client.DefaultRequestHeaders.Add("Idempotency-Key", "letter-2026-11-23");

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.PostAsJsonAsync("/api/messages", Letter(recipient.Id))));

        var ids = new List<Guid>();
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }
        Assert.Single(ids.Distinct());
        await using var db = app.OpenDb();
        Assert.Equal(1, await db.Messages.CountAsync(m => m.SenderUnionId == sender.Id));
        Assert.Equal(1, await db.Outbox.CountAsync(o => o.Payload.Contains(ids[0].ToString())));
    }

    [Fact]
    public async Task Submissions_written_together_keep_their_own_outcome_when_one_key_races_in_the_group()
    {
        // Sent at once, these share the SubmissionWriter's groups: the duplicate keys make a group's
        // transaction fail, and each message is then written on its own.
        var sender = await CreateUnionAsync("Busy sender", "en");
        var recipient = await CreateUnionAsync("Busy recipient", "es");
        var client = app.ClientWithKey(sender.Key);
        Task<HttpResponseMessage> Post(string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = JsonContent.Create(Letter(recipient.Id)) };
            request.Headers.Add("Idempotency-Key", key);
            return client.SendAsync(request);
        }

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Post(i < 10 ? "the-same-letter" : $"letter-{i}")));

        var ids = new List<Guid>();
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }
        Assert.Single(ids.Take(10).Distinct());
        Assert.Equal(31, ids.Distinct().Count());
        await using var db = app.OpenDb();
        Assert.Equal(31, await db.Messages.CountAsync(m => m.SenderUnionId == sender.Id));
        foreach (var id in ids.Distinct())
            Assert.Equal(1, await db.Outbox.CountAsync(o => o.Payload.Contains(id.ToString())));
    }

    [Fact]
    public async Task A_coordinator_approves_a_held_message_and_rejects_only_with_a_reason()
    {
        Guid held, other;
        await using (var db = app.OpenDb())
        {
            var sender = await db.AddUnionAsync("Sender", "en");
            var recipient = await db.AddUnionAsync("Recipient", "es");
            held = (await db.AddMessageAsync(sender, [recipient], MessageStatus.Held)).Id;
            other = (await db.AddMessageAsync(sender, [recipient], MessageStatus.Held)).Id;
        }

        var queue = await Coordinator.GetFromJsonAsync<JsonElement>("/api/review");
        Assert.Contains(queue.EnumerateArray(), m => m.GetProperty("id").GetGuid() == held);

        var approved = await Coordinator.PostAsync($"/api/messages/{held}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.True(await app.Harness.WasPublishedAsync<MessageApproved>(m => m.Context.Message.MessageId == held));
        await ProblemAsync(await Coordinator.PostAsync($"/api/messages/{held}/approve", null), HttpStatusCode.Conflict);

        var noReason = await ProblemAsync(await Coordinator.PostAsJsonAsync($"/api/messages/{other}/reject", new { reason = "" }), HttpStatusCode.BadRequest);
        Assert.Contains("needs a reason", noReason.GetProperty("detail").GetString());
        var rejected = await Coordinator.PostAsJsonAsync($"/api/messages/{other}/reject", new { reason = "Not a message of solidarity." });
        var status = await rejected.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("rejected", status.GetProperty("status").GetString());
        Assert.Contains("Not a message of solidarity.", status.GetProperty("moderation").GetProperty("reasons").ToString());
        Assert.True(await app.Harness.WasPublishedAsync<MessageRejected>(m => m.Context.Message.MessageId == other));
    }

    [Fact]
    public async Task The_sender_sees_why_the_rules_rejected_its_message()
    {
        var sender = await CreateUnionAsync("Sender", "en");
        Guid id;
        await using (var db = app.OpenDb())
        {
            var union = await db.Unions.SingleAsync(u => u.Id == sender.Id);
            var message = await db.AddMessageAsync(union, [await db.AddUnionAsync("Recipient", "es")], MessageStatus.Rejected);
            (message.ModerationDecision, message.DecidedBy) = ("reject", "rules");
            message.ModerationReasons = ["script: the en text contains script or active markup", "first-message: no message from this union has been approved yet"];
            await db.SaveChangesAsync();
            id = message.Id;
        }

        var status = await app.ClientWithKey(sender.Key).GetFromJsonAsync<JsonElement>($"/api/messages/{id}");

        Assert.Equal("rejected", status.GetProperty("status").GetString());
        var moderation = status.GetProperty("moderation");
        Assert.Equal(("reject", "rules"), (moderation.GetProperty("decision").GetString(), moderation.GetProperty("decidedBy").GetString()));
        Assert.Equal(["script: the en text contains script or active markup", "first-message: no message from this union has been approved yet"],
            moderation.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task A_human_translation_releases_a_message_awaiting_one()
    {
        Guid id;
        string unionKey = ApiKeys.Generate();
        await using (var db = app.OpenDb())
        {
            var sender = await db.AddUnionAsync("Sender", "en");
            var recipient = await db.AddUnionAsync("Zakhyst Pratsi", "uk");
            id = (await db.AddMessageAsync(sender, [recipient], MessageStatus.AwaitingTranslation)).Id;
            sender.ApiKeyHash = ApiKeys.Hash(unionKey);
            await db.SaveChangesAsync();
        }
        var translation = new { title = "Лист солідарності", body = "Дорогі колеги, ми з вами." };

        await ProblemAsync(await app.ClientWithKey(unionKey).PutAsJsonAsync($"/api/messages/{id}/translations/uk", translation), HttpStatusCode.Forbidden);
        var response = await Coordinator.PutAsJsonAsync($"/api/messages/{id}/translations/uk", translation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = await response.Content.ReadFromJsonAsync<JsonElement>();
        var uk = Assert.Single(status.GetProperty("translations").EnumerateArray());
        Assert.Equal(("uk", "human"), (uk.GetProperty("language").GetString(), uk.GetProperty("origin").GetString()));
        Assert.True(await app.Harness.WasPublishedAsync<TranslationSupplied>(m => m.Context.Message.MessageId == id));
    }
}
