using System.Net;

namespace Relay.EndToEnd.Tests;

/// <summary>
/// The relay with every process reaching RabbitMQ through one gate the test can cut. All of them:
/// every process's dispatcher publishes any committed outbox row, so with only the intake cut off a
/// worker would (rightly) publish the intake's rows, and the outage would not be one.
/// </summary>
public sealed class BrokerBehindGate : RelayProcesses
{
    public TcpGate Gate { get; } = new(int.Parse(Environment.GetEnvironmentVariable("RELAY_TEST_RABBITMQ_PORT") is { Length: > 0 } p ? p : "5672"));

    protected override IEnumerable<(string Name, string Value)> Settings(string service) =>
        [("RabbitMq__Port", Gate.Port.ToString())];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Gate.DisposeAsync();
    }
}

public class BrokerOutageTests(BrokerBehindGate relay) : IClassFixture<BrokerBehindGate>
{
    [Fact]
    public async Task A_message_accepted_while_the_broker_is_unreachable_goes_through_when_it_returns()
    {
        var (key, recipient) = await relay.Api.SenderAndRecipientAsync(relay.CoordinatorKey);

        relay.Gate.Cut();
        await relay.WaitAsync("intake to notice the broker is gone",
            async () => (await relay.Http.GetAsync($"{relay.BaseUrl}/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable);

        var id = await relay.Api.SubmitLetterAsync(key, recipient);
        // Longer than the 2 s a failed publish releases its row for: every dispatcher retries it and fails.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal("received", (await relay.Api.StatusAsync(id, key)).GetProperty("status").GetString());

        relay.Gate.Open();

        await relay.WaitAsync("the message to be delivered",
            async () => (await relay.Api.StatusAsync(id, key)).GetProperty("status").GetString() == "delivered", seconds: 120);
    }
}
