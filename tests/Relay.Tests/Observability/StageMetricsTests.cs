using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MassTransit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Relay.Contracts;
using Relay.Intake;
using Relay.Intake.Operations;
using Relay.ServiceDefaults.Telemetry;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Observability;

/// <summary>The metrics a stage records around its consumer, and the intake's gauges of the pipeline.</summary>
public class StageMetricsTests
{
    [Fact]
    public async Task Each_consumed_event_records_its_wait_and_its_duration_by_stage_and_outcome()
    {
        var recorded = new ConcurrentBag<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = Listen(recorded, "relay.stage.duration", "relay.stage.wait");
        await using var database = await TestDatabase.CreateAsync();
        await using var worker = await WorkerHarness.StartAsync(database, bus =>
        {
            bus.AddConsumer<HeldConsumer>().Endpoint(e => e.Name = "held-stage");
            bus.AddConsumer<FailingConsumer>().Endpoint(e => e.Name = "failing-stage");
            bus.AddConfigureEndpointsCallback((context, _, endpoint) => endpoint.UseConsumeFilter(typeof(ConsumeTelemetryFilter<>), context));
        });

        await worker.ConsumeAsync(new MessageHeld(Guid.NewGuid(), ["test"]));
        await worker.ConsumeAsync(new MessageRejected(Guid.NewGuid(), "test", "coordinator"));

        var held = Assert.Single(recorded, r => r.Instrument == "relay.stage.duration" && r.Tags["stage"] is "held-stage");
        Assert.Equal("done", held.Tags["outcome"]);
        Assert.InRange(held.Value, 0.05, 30); // the consumer sleeps 50 ms
        Assert.Contains(recorded, r => r.Instrument == "relay.stage.wait" && r.Tags["stage"] is "held-stage" && r.Value >= 0);
        var failed = Assert.Single(recorded, r => r.Instrument == "relay.stage.duration" && r.Tags["stage"] is "failing-stage");
        Assert.Equal("faulted", failed.Tags["outcome"]);
    }

    [Theory]
    [InlineData("rabbitmq://rabbit:5672/relay/translate-message", "translate-message")]
    [InlineData("rabbitmq://rabbit/relay/deliver-message?bind=true", "deliver-message")]
    [InlineData("loopback://localhost/screen-message", "screen-message")]
    [InlineData(null, "unknown")]
    public void The_stage_is_the_queue_the_event_came_from(string? address, string stage) =>
        Assert.Equal(stage, ConsumeTelemetryFilter<MessageHeld>.StageName(address is null ? null : new Uri(address)));

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_intakes_gauges_count_messages_and_deliveries_by_status_and_the_outbox_backlog(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using (var db = database.Open())
        {
            var sender = await db.AddUnionAsync("Miners' Coordination", "en");
            foreach (var status in new[] { MessageStatus.Delivered, MessageStatus.Delivered, MessageStatus.Held })
                db.Messages.Add(new SolidarityMessage { Id = Guid.NewGuid(), SenderUnionId = sender.Id, Title = "T", Body = "B", Status = status, ReceivedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            db.Outbox.Add(new OutboxMessage { EventId = Guid.NewGuid(), EventType = "Relay.Contracts.MessageSubmitted", Payload = "{}", CreatedAt = DateTime.UtcNow.AddMinutes(-2) });
            await db.SaveChangesAsync();
        }
        var services = new ServiceCollection();
        services.AddRelayStorage(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = database.Options.Provider, ["Storage:ConnectionString"] = database.Options.ConnectionString,
        }).Build());
        await using var storage = services.BuildServiceProvider();

        var observed = new ConcurrentBag<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = Listen(observed, "relay.messages", "relay.outbox.waiting", "relay.outbox.oldest.age");
        var gauges = new PipelineGauges(storage.GetRequiredService<IServiceScopeFactory>(), NullLogger<PipelineGauges>.Instance);
        await gauges.RefreshAsync();
        listener.RecordObservableInstruments();

        // Other tests' gauges may be observed too: these are the ones of this reading.
        Assert.Contains(observed, o => o.Instrument == "relay.messages" && o.Tags["status"] is MessageStatus.Delivered && o.Value == 2);
        Assert.Contains(observed, o => o.Instrument == "relay.messages" && o.Tags["status"] is MessageStatus.Held && o.Value == 1);
        Assert.Contains(observed, o => o.Instrument == "relay.outbox.waiting" && o.Value == 1);
        Assert.Contains(observed, o => o.Instrument == "relay.outbox.oldest.age" && o.Value is >= 119 and < 600);
    }

    [Fact]
    public void The_intake_serves_metrics_on_its_health_port_or_else_only_to_this_machine()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://0.0.0.0:8080", ["Health:Urls"] = "http://0.0.0.0:8081",
        }).Build();
        Assert.Equal("http://0.0.0.0:8080;http://0.0.0.0:8081", HealthEndpoints.ListenAddresses(settings));
        Assert.Equal(8081, HealthEndpoints.MetricsPort(settings));
        Assert.Equal("http://127.0.0.1:8080", HealthEndpoints.ListenAddresses(new ConfigurationBuilder().Build()));
        Assert.Null(HealthEndpoints.MetricsPort(new ConfigurationBuilder().Build()));

        static ConnectionInfo Connection(string remote, int localPort)
        {
            var http = new DefaultHttpContext();
            http.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(remote);
            http.Connection.LocalPort = localPort;
            return http.Connection;
        }
        Assert.True(HealthEndpoints.MayScrape(Connection("10.1.2.3", 8081), 8081));
        Assert.False(HealthEndpoints.MayScrape(Connection("127.0.0.1", 8080), 8081));
        Assert.True(HealthEndpoints.MayScrape(Connection("127.0.0.1", 8080), null));
        Assert.True(HealthEndpoints.MayScrape(Connection("::1", 8080), null));
        Assert.False(HealthEndpoints.MayScrape(Connection("203.0.113.7", 8080), null));
    }

    private static MeterListener Listen(ConcurrentBag<(string, double, Dictionary<string, object?>)> into, params string[] instruments)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == RelayMetrics.MeterName && instruments.Contains(instrument.Name))
                    l.EnableMeasurementEvents(instrument);
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            into.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();
        return listener;
    }

    private sealed class HeldConsumer : IConsumer<MessageHeld>
    {
        public Task Consume(ConsumeContext<MessageHeld> context) => Task.Delay(50);
    }

    private sealed class FailingConsumer : IConsumer<MessageRejected>
    {
        public Task Consume(ConsumeContext<MessageRejected> context) => throw new InvalidOperationException("the stage fails");
    }
}
