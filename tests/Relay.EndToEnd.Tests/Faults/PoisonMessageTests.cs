using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace Relay.EndToEnd.Tests.Faults;

/// <summary>Poison messages on a queue under load: set aside after bounded attempts, the load unharmed, and replayable.</summary>
public class PoisonMessageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Poison_messages_under_load_land_in_the_error_queue_after_bounded_attempts_and_can_be_replayed()
    {
        const string queue = "translate-message";
        await FaultLoad.RunAsync(output, new FaultRelay(), "two poison messages on translate-message under load", async (relay, load) =>
        {
            await load.SubmitAsync();
            // One event about a message no database holds (the consumer throws every time), and one that is not JSON at all.
            await PublishAsync(relay, queue, JsonSerializer.Serialize(new
            {
                messageId = Guid.NewGuid(),
                messageType = new[] { "urn:message:Relay.Contracts:MessageSubmitted" },
                message = new { messageId = Guid.NewGuid(), recipientUnionIds = Array.Empty<Guid>(), language = "en", submittedAt = DateTime.UtcNow },
            }));
            await PublishAsync(relay, queue, "{ this is not json");
            load.Note($"two poison messages published to {queue}");
            await relay.WaitAsync("both in the error queue", async () => await ErrorCountAsync(relay, queue) == 2, seconds: 120);
            load.Note($"both in {queue}_error ({FaultLoad.Summary(await load.PipelineAsync())})");
            // Looked at without taking them: the retry count MassTransit recorded is the bound (5 retries after the first attempt).
            var response = await relay.Management.PostAsJsonAsync($"/api/queues/{Uri.EscapeDataString(relay.VirtualHost)}/{queue}_error/get",
                new { count = 2, ackmode = "ack_requeue_true", encoding = "auto" });
            var poisoned = await response.Content.ReadFromJsonAsync<JsonElement>();
            var reasons = poisoned.EnumerateArray().Select(m => m.GetProperty("properties").GetProperty("headers")).Select(h =>
                $"{(h.TryGetProperty("MT-Fault-ExceptionType", out var type) ? type.GetString() : "?")} after {(h.TryGetProperty("MT-Fault-RetryCount", out var retries) ? retries.ToString() : "no")} retries").ToList();
            load.Note($"set aside: {string.Join(", ", reasons)}", measured: true);
            // The event about no message was tried six times (five retries); the unreadable one not at all, as no retry can read it.
            Assert.Equal(["System.InvalidOperationException after 5 retries", "System.Text.Json.JsonReaderException after no retries"], reasons.Order());
        });
    }

    [Fact]
    public async Task A_replayed_poison_message_is_tried_again_and_set_aside_again_without_loss()
    {
        const string queue = "translate-message";
        var relay = new FaultRelay();
        await relay.InitializeAsync();
        try
        {
            await PublishAsync(relay, queue, "{ this is not json");
            await relay.WaitAsync("the poison in the error queue", async () => await ErrorCountAsync(relay, queue) == 1);
            var replayed = await relay.Api.SendAsync(HttpMethod.Post, $"/api/errors/{queue}/replay", relay.CoordinatorKey);
            Assert.Equal(1, replayed.GetProperty("messages").GetInt32());
            // Still poison: it comes back to the error queue, once, and nothing is dropped.
            await relay.WaitAsync("the poison back in the error queue", async () => await ErrorCountAsync(relay, queue) == 1 && await ReadyAsync(relay, queue) == 0);
        }
        finally { await relay.DisposeAsync(); }
    }

    private static async Task PublishAsync(RelayProcesses relay, string queue, string payload)
    {
        var response = await relay.Management.PostAsJsonAsync($"/api/exchanges/{Uri.EscapeDataString(relay.VirtualHost)}/amq.default/publish", new
        {
            properties = new { content_type = "application/vnd.masstransit+json", delivery_mode = 2 },
            routing_key = queue, payload, payload_encoding = "string",
        });
        response.EnsureSuccessStatusCode();
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("routed").GetBoolean(), $"nothing was bound to {queue}");
    }

    private static async Task<int> ErrorCountAsync(RelayProcesses relay, string queue)
    {
        var errors = await relay.Api.SendAsync(HttpMethod.Get, "/api/errors", relay.CoordinatorKey);
        return errors.EnumerateArray().Where(e => e.GetProperty("queue").GetString() == queue).Select(e => e.GetProperty("messages").GetInt32()).FirstOrDefault();
    }

    private static async Task<int> ReadyAsync(RelayProcesses relay, string queue) =>
        (await relay.Management.GetFromJsonAsync<JsonElement>($"/api/queues/{Uri.EscapeDataString(relay.VirtualHost)}/{queue}")).GetProperty("messages").GetInt32();
}
