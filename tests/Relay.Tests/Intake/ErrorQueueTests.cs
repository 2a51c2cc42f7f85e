using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>A coordinator sees the _error queues and moves their messages back once the cause is fixed, against the real RabbitMQ.</summary>
public class ErrorQueueTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    [Fact]
    public async Task The_messages_of_an_error_queue_go_back_to_their_queue_once_without_the_fault_headers()
    {
        var queue = $"replay-test-{Guid.NewGuid():N}";
        await using var connection = await LocalServices.RabbitMq.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueDeclareAsync(queue + "_error", durable: true, exclusive: false, autoDelete: false);
        try
        {
            var bodies = Enumerable.Range(1, 3).Select(i => $"{{\"messageId\":\"{Guid.NewGuid()}\",\"n\":{i}}}").ToList();
            foreach (var body in bodies)
                await channel.BasicPublishAsync("", queue + "_error", mandatory: true, new BasicProperties
                {
                    ContentType = "application/vnd.masstransit+json", Persistent = true, MessageId = Guid.NewGuid().ToString(),
                    Headers = new Dictionary<string, object?> { ["MT-Reason"] = "fault", ["MT-Fault-Message"] = "Message is not in the database.", ["MT-Host-MachineName"] = "w1", ["Keep"] = "me" },
                }, Encoding.UTF8.GetBytes(body));
            var coordinator = app.ClientWithKey(app.CoordinatorKey);

            // The management API's counts lag the queue by a few seconds.
            var counted = false;
            for (var i = 0; i < 60 && !counted; i++, await Task.Delay(250))
                counted = (await coordinator.GetFromJsonAsync<List<JsonElement>>("/api/errors"))!
                    .Any(q => q.GetProperty("queue").GetString() == queue && q.GetProperty("errorQueueName").GetString() == queue + "_error" && q.GetProperty("messages").GetInt64() == 3);
            Assert.True(counted, "GET /api/errors never listed the 3 messages");
            var replay = await coordinator.PostAsync($"/api/errors/{queue}/replay", null);

            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            Assert.Equal(3, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messages").GetInt32());
            Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync(queue + "_error")).MessageCount);
            var back = new List<string>();
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } got)
            {
                back.Add(Encoding.UTF8.GetString(got.Body.Span));
                Assert.Equal("application/vnd.masstransit+json", got.BasicProperties.ContentType);
                Assert.DoesNotContain(got.BasicProperties.Headers!.Keys, k => k.StartsWith("MT-", StringComparison.Ordinal));
                Assert.Equal("me", Encoding.UTF8.GetString((byte[])got.BasicProperties.Headers!["Keep"]!));
            }
            Assert.Equal(bodies, back);

            // Nothing left: a second replay moves nothing.
            Assert.Equal(0, (await (await coordinator.PostAsync($"/api/errors/{queue}/replay", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messages").GetInt32());
        }
        finally
        {
            await channel.QueueDeleteAsync(queue);
            await channel.QueueDeleteAsync(queue + "_error");
        }
    }

    [Fact]
    public async Task An_unknown_or_malformed_queue_is_refused_and_a_unions_key_may_not_replay()
    {
        var coordinator = app.ClientWithKey(app.CoordinatorKey);
        Assert.Equal(HttpStatusCode.NotFound, (await coordinator.PostAsync($"/api/errors/no-such-queue-{Guid.NewGuid():N}/replay", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await coordinator.PostAsync("/api/errors/deliver-message_error/replay", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await coordinator.PostAsync("/api/errors/Bad%20Name/replay", null)).StatusCode);
        var union = await (await coordinator.PostAsJsonAsync("/api/unions",
            new { name = $"Union {Guid.NewGuid():N}", country = "CO", languages = new[] { "es" }, email = $"u{Guid.NewGuid():N}@unions.example.org" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.Forbidden, (await app.ClientWithKey(union.GetProperty("apiKey").GetString()!).PostAsync("/api/errors/deliver-message/replay", null)).StatusCode);
    }
}
