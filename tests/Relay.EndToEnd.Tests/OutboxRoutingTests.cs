namespace Relay.EndToEnd.Tests;

/// <summary>The relay with only its intake running, on a broker where no worker has ever bound a queue.</summary>
public sealed class IntakeOnly : RelayProcesses
{
    public override Task InitializeAsync() => StartIntakeAsync();
}

public class OutboxRoutingTests(IntakeOnly relay) : IClassFixture<IntakeOnly>
{
    [Fact]
    public async Task A_message_accepted_before_any_worker_ran_is_kept_and_goes_through_once_they_start()
    {
        var (key, recipient) = await relay.Api.SenderAndRecipientAsync(relay.CoordinatorKey);
        var id = await relay.Api.SubmitLetterAsync(key, recipient);

        // No queue is bound to MessageSubmitted yet: the broker returns the event, the outbox keeps it.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("received", (await relay.Api.StatusAsync(id, key)).GetProperty("status").GetString());

        await relay.StartWorkersAsync();

        await relay.WaitAsync("the message to be delivered",
            async () => (await relay.Api.StatusAsync(id, key)).GetProperty("status").GetString() == "delivered", seconds: 120);
    }
}
