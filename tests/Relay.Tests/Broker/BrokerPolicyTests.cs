using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using Relay.Intake.Operations;
using Relay.ServiceDefaults;
using Relay.Tests.Support;

namespace Relay.Tests.Broker;

/// <summary>
/// The delivery limit and dead-lettering on the real RabbitMQ, in a virtual host of the test's own:
/// a message that is never acknowledged ends in relay.dead-letter after the limit, and a coordinator's
/// replay puts it back in the queue it came from.
/// </summary>
public class BrokerPolicyTests : IAsyncLifetime
{
    private readonly string _vhost = "policy-test-" + Guid.NewGuid().ToString("N")[..8];
    private static readonly string ManagementUrl = Environment.GetEnvironmentVariable("RELAY_TEST_RABBITMQ_MANAGEMENT") is { Length: > 0 } url ? url : "http://127.0.0.1:15672";
    private readonly HttpClient _management = new() { BaseAddress = new Uri(ManagementUrl.TrimEnd('/') + "/") };
    private readonly ServiceProvider _services = new ServiceCollection().AddHttpClient().BuildServiceProvider();

    private RabbitMqOptions Options => new()
    {
        VirtualHost = _vhost, Password = LocalServices.RabbitMq.Password, DeliveryLimit = 3, ManagementUrl = ManagementUrl,
        Port = (ushort)LocalServices.RabbitMq.Port,
    };

    public async Task InitializeAsync()
    {
        _management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"relay:{LocalServices.RabbitMq.Password}")));
        (await _management.PutAsync($"api/vhosts/{_vhost}", null)).EnsureSuccessStatusCode();
        (await _management.PutAsJsonAsync($"api/permissions/{_vhost}/relay", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        await _management.DeleteAsync($"api/vhosts/{_vhost}");
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task A_message_never_acknowledged_is_dead_lettered_after_the_limit_and_replayed_to_its_queue()
    {
        var policy = new BrokerPolicy(Microsoft.Extensions.Options.Options.Create(Options), _services.GetRequiredService<IHttpClientFactory>(), NullLogger<BrokerPolicy>.Instance);
        await policy.ApplyAsync(CancellationToken.None);
        await policy.ApplyAsync(CancellationToken.None); // every process applies it: the same again changes nothing
        var applied = await _management.GetFromJsonAsync<System.Text.Json.JsonElement>($"api/policies/{_vhost}/{BrokerPolicy.PolicyName}");
        Assert.Equal("queues", applied.GetProperty("apply-to").GetString());
        Assert.Equal(3, applied.GetProperty("definition").GetProperty("delivery-limit").GetInt32());

        var factory = LocalServices.RabbitMq;
        factory.VirtualHost = _vhost;
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("translate-message", durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        var body = Encoding.UTF8.GetBytes("{\"poison\":true}");
        await channel.BasicPublishAsync("", "translate-message", mandatory: true, new BasicProperties { Persistent = true, MessageId = "poison-1" }, body);
        // The policy reaches a new queue within moments.
        await Task.Delay(1000);

        var deliveries = 0;
        for (; deliveries < 20 && await channel.BasicGetAsync("translate-message", autoAck: false) is { } got; deliveries++)
            await channel.BasicNackAsync(got.DeliveryTag, multiple: false, requeue: true); // as a worker that dies with it would
        Assert.InRange(deliveries, 3, 5);
        BasicGetResult? dead = null;
        for (var i = 0; i < 40 && (dead = await channel.BasicGetAsync(BrokerPolicy.DeadLetterQueue, autoAck: false)) is null; i++)
            await Task.Delay(100);
        Assert.NotNull(dead);
        Assert.Equal(body, dead.Body.ToArray());
        Assert.Equal("translate-message", ErrorQueues.DeadLetteredFrom(dead.BasicProperties.Headers));
        await channel.BasicNackAsync(dead.DeliveryTag, multiple: false, requeue: true);

        var queues = new ErrorQueues(Microsoft.Extensions.Options.Options.Create(Options), _services.GetRequiredService<IHttpClientFactory>(), NullLogger<ErrorQueues>.Instance);
        Assert.Equal(1, await queues.ReplayAsync(BrokerPolicy.DeadLetterQueue, "test", CancellationToken.None));

        var back = await channel.BasicGetAsync("translate-message", autoAck: true);
        Assert.NotNull(back);
        Assert.Equal(body, back.Body.ToArray());
        Assert.Equal("poison-1", back.BasicProperties.MessageId);
        Assert.False(back.BasicProperties.Headers?.ContainsKey("x-death") ?? false);
        Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync(BrokerPolicy.DeadLetterQueue)).MessageCount);
    }

    [Fact]
    public async Task A_message_in_an_error_queue_can_be_looked_at_more_often_than_the_limit_without_being_dead_lettered()
    {
        var policy = new BrokerPolicy(Microsoft.Extensions.Options.Options.Create(Options), _services.GetRequiredService<IHttpClientFactory>(), NullLogger<BrokerPolicy>.Instance);
        await policy.ApplyAsync(CancellationToken.None);
        var factory = LocalServices.RabbitMq;
        factory.VirtualHost = _vhost;
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var quorum = new Dictionary<string, object?> { ["x-queue-type"] = "quorum" };
        await channel.QueueDeclareAsync("translate-message_error", durable: true, exclusive: false, autoDelete: false, arguments: quorum);
        await channel.QueueDeclareAsync("translate-message", durable: true, exclusive: false, autoDelete: false, arguments: quorum);
        await channel.BasicPublishAsync("", "translate-message_error", mandatory: true, new BasicProperties { Persistent = true, MessageId = "faulted-1" }, "{}"u8.ToArray());
        await Task.Delay(1000);

        // The policy is on the worker's queue, not on its error queue (the broker reports it with the queue's next statistics).
        string? Policy(System.Text.Json.JsonElement queues, string name) =>
            queues.EnumerateArray().Single(q => q.GetProperty("name").GetString() == name).TryGetProperty("policy", out var p)
                && p.ValueKind == System.Text.Json.JsonValueKind.String ? p.GetString() : null;
        var queues = await _management.GetFromJsonAsync<System.Text.Json.JsonElement>($"api/queues/{_vhost}");
        for (var i = 0; i < 50 && Policy(queues, "translate-message") is null; i++)
        {
            await Task.Delay(200);
            queues = await _management.GetFromJsonAsync<System.Text.Json.JsonElement>($"api/queues/{_vhost}");
        }
        Assert.Equal(BrokerPolicy.PolicyName, Policy(queues, "translate-message"));
        Assert.Null(Policy(queues, "translate-message_error"));

        // Ten looks, as a coordinator's dashboard peeks (get, then put back), with a limit of 3.
        for (var look = 0; look < 10; look++)
        {
            var got = await channel.BasicGetAsync("translate-message_error", autoAck: false);
            Assert.NotNull(got);
            Assert.Equal("faulted-1", got.BasicProperties.MessageId);
            await channel.BasicNackAsync(got.DeliveryTag, multiple: false, requeue: true);
        }
        // Still there on the eleventh look; nothing was dead-lettered.
        BasicGetResult? still = null;
        for (var i = 0; i < 20 && (still = await channel.BasicGetAsync("translate-message_error", autoAck: true)) is null; i++)
            await Task.Delay(100);
        Assert.Equal("faulted-1", still?.BasicProperties.MessageId);
        Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync(BrokerPolicy.DeadLetterQueue)).MessageCount);
    }
}
