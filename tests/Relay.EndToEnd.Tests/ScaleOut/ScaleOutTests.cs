using Xunit.Abstractions;

namespace Relay.EndToEnd.Tests.ScaleOut;

/// <summary>
/// Issue 9: scale-out proven on a three-node RabbitMQ cluster (started by the test through
/// deploy/local/lib.sh), PostgreSQL and two instances of every worker. The same run as
/// deploy/local/scale-out.sh, which also writes its figures to docs/scale-out.md (RELAY_SCALE_OUT_REPORT).
/// </summary>
public class ScaleOutTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_three_node_cluster_loses_its_leader_under_1000_messages_and_every_message_is_delivered_once()
    {
        var run = new ScaleOutRun(output.WriteLine)
        {
            Messages = int.Parse(RelayProcesses.Env("RELAY_SCALE_OUT_MESSAGES", "1000")),
            StopAfter = int.Parse(RelayProcesses.Env("RELAY_SCALE_OUT_STOP_AFTER", "300")),
        };
        var result = await run.RunAsync();
        if (Environment.GetEnvironmentVariable("RELAY_SCALE_OUT_REPORT") is { Length: > 0 } path)
            await File.WriteAllTextAsync(path, result.Report(DateTime.UtcNow, RelayProcesses.Env("RELAY_SCALE_OUT_COMMAND", "dotnet test --filter ScaleOut")));

        Assert.True(result.Held, result.Summary());
        Assert.Equal(result.Messages, result.DistinctLetters);
        Assert.Equal(result.Messages, result.LetterEmails);
        Assert.Equal(result.Messages, result.SummaryEmails);
        Assert.Equal(result.Messages, result.Rows.Deliveries.GetValueOrDefault("sent"));
        Assert.NotNull(result.Pause);
        Assert.Contains(result.StoppedNode, result.LeadersBefore.Values);
        Assert.DoesNotContain(result.StoppedNode, result.LeadersAfter.Values);
    }
}
