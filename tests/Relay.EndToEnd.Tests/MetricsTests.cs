using System.Globalization;
using System.Net;

namespace Relay.EndToEnd.Tests;

/// <summary>What Prometheus reads from a running relay after one letter went through it.</summary>
public class MetricsTests(RelayProcesses relay) : IClassFixture<RelayProcesses>
{
    [Fact]
    public async Task A_delivered_letter_is_counted_by_every_stage_and_by_the_intakes_gauges_and_the_public_address_serves_no_metrics()
    {
        var (key, recipient) = await relay.Api.SenderAndRecipientAsync(relay.CoordinatorKey);
        var id = await relay.Api.SubmitLetterAsync(key, recipient);
        await relay.WaitAsync("the message to be delivered",
            async () => (await relay.Api.StatusAsync(id, key)).GetProperty("status").GetString() == "delivered", seconds: 120);

        // Each stage's histogram counted the event it handled, and how long it waited for it.
        foreach (var (service, stage) in new[] { ("Relay.Translation", "translate-message"), ("Relay.Moderation", "screen-message"), ("Relay.Delivery", "deliver-message") })
        {
            var metrics = await relay.Http.GetStringAsync($"{relay.HealthUrl(service)}/metrics");
            Assert.True(Value(metrics, "relay_stage_duration_seconds_count", $"stage=\"{stage}\"", "outcome=\"done\"") >= 1, metrics);
            Assert.True(Value(metrics, "relay_stage_wait_seconds_count", $"stage=\"{stage}\"") >= 1, metrics);
        }
        var delivery = await relay.Http.GetStringAsync($"{relay.HealthUrl("Relay.Delivery")}/metrics");
        Assert.True(Value(delivery, "relay_deliveries_total", "outcome=\"sent\"") >= 1, delivery);

        // The intake's gauges come from the database, read at most every 15 seconds.
        await relay.WaitAsync("the intake's gauges to count the delivered message", async () =>
        {
            var metrics = await relay.Http.GetStringAsync($"{relay.HealthUrl("Relay.Intake")}/metrics");
            return Value(metrics, "relay_messages", "status=\"delivered\"") >= 1 && Value(metrics, "relay_outbox_waiting") >= 0;
        }, seconds: 45);

        // Not on the public address: it would tell anyone the traffic and the unions' failures.
        Assert.Equal(HttpStatusCode.NotFound, (await relay.Http.GetAsync($"{relay.BaseUrl}/metrics")).StatusCode);
    }

    /// <summary>The value of the first sample of a metric whose labels include all of the given ones; -1 when there is none.</summary>
    private static double Value(string metrics, string name, params string[] labels) =>
        metrics.Split('\n')
            .Where(l => (l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
                && labels.All(l.Contains))
            // "name{labels} value [timestamp]": the value is the first field after the labels.
            .Select(l => double.Parse(l[((l.LastIndexOf('}') is >= 0 and var end ? end : l.IndexOf(' ')) + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture))
            .DefaultIfEmpty(-1).First();
}
