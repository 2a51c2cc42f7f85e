using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Relay.Contracts;
using Relay.ServiceDefaults.Telemetry;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Observability;

/// <summary>A trace follows a message through the outbox; a consumer's log lines name the message.</summary>
public class TracingTests
{
    [Fact]
    public async Task An_event_written_inside_a_trace_is_published_in_the_same_trace()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "MassTransit" or RelayMetrics.SourceName || s.Name == "Relay.Tests.Writer",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var writerSource = new ActivitySource("Relay.Tests.Writer");

        await using var database = await TestDatabase.CreateAsync();
        await using var worker = await WorkerHarness.StartAsync(database, _ => { });
        var messageId = Guid.NewGuid();
        ActivityTraceId traceId;
        await using (var db = database.Open())
        {
            using (var request = writerSource.StartActivity("POST /api/messages"))
            {
                traceId = request!.TraceId;
                db.Outbox.Add(OutboxEvents.Create(new MessageApproved(messageId, "coordinator")));
            }
            await db.SaveChangesAsync();
        }
        Activity.Current = null;
        await worker.DispatchOutboxAsync();

        Assert.True(await worker.Bus.Published.Any<MessageApproved>(m => m.Context.Message.MessageId == messageId));
        var send = spans.Where(s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Producer && s.TraceId == traceId).ToList();
        Assert.NotEmpty(send);
        var publish = Assert.Single(spans, s => s.OperationName == "outbox publish" && s.TraceId == traceId);
        Assert.Equal(messageId, publish.GetTagItem(RelayMetrics.MessageIdTag));
    }

    [Fact]
    public void A_row_written_outside_a_trace_carries_no_traceparent()
    {
        Activity.Current = null;
        var row = OutboxEvents.Create(new MessageApproved(Guid.NewGuid(), "coordinator"));
        Assert.Null(OutboxEvents.TraceParent(row));
        Assert.DoesNotContain(OutboxEvents.TraceParentProperty, row.Payload);
    }

    [Fact]
    public async Task Every_line_a_consumer_logs_carries_the_message_id()
    {
        var lines = new ConcurrentBag<(string Text, List<object?> Scopes)>();
        await using var database = await TestDatabase.CreateAsync();
        await using var worker = await WorkerHarness.StartAsync(database, bus =>
        {
            bus.AddConsumer<LoggingConsumer>();
            bus.AddConfigureEndpointsCallback((context, _, endpoint) => endpoint.UseConsumeFilter(typeof(ConsumeTelemetryFilter<>), context));
        }, (services, _) => services.AddSingleton<ILoggerProvider>(new ScopeCapture(lines)));
        var messageId = Guid.NewGuid();

        await worker.ConsumeAsync(new MessageHeld(messageId, ["test"]));

        var line = Assert.Single(lines, l => l.Text.Contains("held for review"));
        Assert.Contains(line.Scopes.OfType<IEnumerable<KeyValuePair<string, object>>>().SelectMany(s => s),
            kv => kv.Key == "MessageId" && Equals(kv.Value, messageId));
    }

    private sealed class LoggingConsumer(ILogger<LoggingConsumer> logger) : IConsumer<MessageHeld>
    {
        public Task Consume(ConsumeContext<MessageHeld> context)
        {
            logger.LogInformation("Message held for review");
            return Task.CompletedTask;
        }
    }

    /// <summary>Records each line with the scopes open around it.</summary>
    private sealed class ScopeCapture(ConcurrentBag<(string, List<object?>)> lines) : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();
        private readonly ConcurrentBag<(string, List<object?>)> _lines = lines;
        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;
        public ILogger CreateLogger(string categoryName) => new Logger(this);
        public void Dispose() { }

        private sealed class Logger(ScopeCapture provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scopes = new List<object?>();
                provider._scopes.ForEachScope((scope, list) => list.Add(scope), scopes);
                provider._lines.Add((formatter(state, exception), scopes));
            }
        }
    }
}
