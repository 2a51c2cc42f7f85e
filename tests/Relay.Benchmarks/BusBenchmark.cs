using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Relay.Benchmarks;

/// <summary>A message one hop of the pipeline carries: about the size of Relay's events.</summary>
public record BusHop(Guid MessageId, Guid SenderUnionId, IReadOnlyList<Guid> RecipientUnionIds, string Language, DateTime SubmittedAt);

/// <summary>What the hop publishes on.</summary>
public record BusHopped(Guid MessageId, Guid SenderUnionId, IReadOnlyList<Guid> RecipientUnionIds, string Language, DateTime SubmittedAt);

/// <summary>
/// One bus hop, as a Relay worker makes it: take a persistent message from a durable quorum queue,
/// publish the next one with publisher confirms, acknowledge. Raw RabbitMQ.Client 7 (manual acks,
/// confirms tracked, no rate limiter) against MassTransit configured as Relay configures it
/// (quorum queue, prefetch 16, publisher confirmation, both retry filters), on the same broker in
/// the same run. Each round fills the input queue first, then times the consumer from the first
/// message it takes to the last one it acknowledges; the two alternate round by round.
/// </summary>
public static class BusBenchmark
{
    private const ushort Prefetch = 16;

    public static async Task<int> RunAsync(int messages, int rounds, string host, int port, string managementUrl, string output)
    {
        await using var vhost = await BenchVirtualHost.CreateAsync(managementUrl, "bus");
        var (virtualHost, password) = (vhost.Name, vhost.Password);
        var factory = new ConnectionFactory { HostName = host, Port = port, UserName = "relay", Password = password, VirtualHost = virtualHost, ConsumerDispatchConcurrency = Prefetch };
        await using var connection = await factory.CreateConnectionAsync("relay-bench-raw");
        await DeclareAsync(connection);
        Console.WriteLine($"bus benchmark: {messages} messages a round, {rounds} rounds, prefetch {Prefetch}, vhost {virtualHost}");

        await RawRoundAsync(connection, messages / 10);          // warm-up, not counted
        await MassTransitRoundAsync(connection, host, port, virtualHost, password, messages / 10);
        var raw = new List<double>();
        var transit = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            raw.Add(await RawRoundAsync(connection, messages));
            transit.Add(await MassTransitRoundAsync(connection, host, port, virtualHost, password, messages));
            Console.WriteLine($"round {round}: raw {raw[^1]:F0}/s, MassTransit {transit[^1]:F0}/s");
        }

        var ratio = Stats.Median(transit) / Stats.Median(raw);
        var report = $"""
            | what | messages per second (median of {rounds} rounds) | of raw | rounds |
            | --- | --- | --- | --- |
            | raw RabbitMQ.Client 7: consume, publish with a tracked confirm, ack | {Stats.Median(raw):F0} | 100% | {string.Join(", ", raw.Select(r => r.ToString("F0")))} |
            | MassTransit 8.5 as Relay configures it: consume, `Publish` (confirmed), ack | {Stats.Median(transit):F0} | {ratio:P0} | {string.Join(", ", transit.Select(r => r.ToString("F0")))} |

            One hop through MassTransit runs at {ratio:P0} of raw RabbitMQ.Client (goal: at least 60%: {(ratio >= 0.6 ? "met" : "missed")}).
            After every round the output queue held exactly one message per message taken (checked when it is purged).
            Conditions: {messages} persistent messages a round ({Encoding.UTF8.GetByteCount(Envelope(Guid.NewGuid()))} bytes each as MassTransit's envelope, the same body for raw),
            durable quorum queues on one node, prefetch {Prefetch} and {Prefetch} handlers at once on both sides, publisher confirms awaited per message,
            the input queue filled before each round, timed from the first message taken to the last acknowledged, a warm-up round each first; the broker on {host}:{port},
            {Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd}.
            """;
        Console.WriteLine(report);
        if (output.Length > 0)
            await File.WriteAllTextAsync(output, report + "\n");
        return 0;
    }

    private const string RawIn = "bench-raw-in", RawOut = "bench-raw-out", TransitIn = "bench-hop-in", TransitOut = "bench-hop-out";
    private const string HoppedExchange = "Relay.Benchmarks:BusHopped";

    /// <summary>The queues both sides use; MassTransit's output exchange bound to a queue, as a worker's would be.</summary>
    private static async Task DeclareAsync(IConnection connection)
    {
        await using var channel = await connection.CreateChannelAsync();
        var quorum = new Dictionary<string, object?> { ["x-queue-type"] = "quorum" };
        foreach (var queue in new[] { RawIn, RawOut, TransitIn, TransitOut })
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: quorum);
        await channel.ExchangeDeclareAsync(HoppedExchange, ExchangeType.Fanout, durable: true);
        await channel.QueueBindAsync(TransitOut, HoppedExchange, "");
    }

    private static async Task<IAsyncDisposable> StartMassTransitAsync(string host, int port, string virtualHost, string password)
    {
        var services = new ServiceCollection();
        services.AddMassTransit(bus =>
        {
            bus.AddConsumer<HopConsumer>();
            bus.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(host, (ushort)port, virtualHost, h =>
                {
                    h.Username("relay");
                    h.Password(password);
                    h.PublisherConfirmation = true;
                });
                cfg.ReceiveEndpoint(TransitIn, e =>
                {
                    e.SetQuorumQueue();
                    e.PrefetchCount = Prefetch;
                    // Relay's two retry filters (ServiceDefaultsExtensions): they cost nothing until a consumer throws.
                    e.UseMessageRetry(r => r.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(400)));
                    e.UseMessageRetry(r => r.Intervals(Relay.ServiceDefaults.PassingFaults.Waits).Handle<Exception>(Relay.ServiceDefaults.PassingFaults.Is));
                    e.ConfigureConsumer<HopConsumer>(context);
                });
            });
        });
        var provider = services.BuildServiceProvider();
        var control = provider.GetRequiredService<IBusControl>();
        await control.StartAsync();
        return new StartedBus(provider, control);
    }

    private sealed class StartedBus(ServiceProvider provider, IBusControl bus) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await bus.StopAsync();
            await provider.DisposeAsync();
        }
    }

    /// <summary>The hop: publish the next event, confirmed before the message is acknowledged.</summary>
    public sealed class HopConsumer : IConsumer<BusHop>
    {
        public static readonly RoundClock Clock = new();

        public async Task Consume(ConsumeContext<BusHop> context)
        {
            Clock.Started();
            var m = context.Message;
            await context.Publish(new BusHopped(m.MessageId, m.SenderUnionId, m.RecipientUnionIds, m.Language, m.SubmittedAt));
            Clock.Finished();
        }
    }

    /// <summary>Times a round from the first message taken to the last one done, so neither side pays for connecting or filling.</summary>
    public sealed class RoundClock
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private long _first, _last;
        private int _remaining;
        private TaskCompletionSource _done = new();

        public void Reset(int messages)
        {
            (_first, _last, _remaining) = (0, 0, messages);
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public void Started() => Interlocked.CompareExchange(ref _first, _watch.ElapsedTicks, 0);

        public void Finished()
        {
            if (Interlocked.Decrement(ref _remaining) != 0)
                return;
            _last = _watch.ElapsedTicks;
            _done.TrySetResult();
        }

        /// <summary>Messages per second once every one is done.</summary>
        public async Task<double> RateAsync(int messages)
        {
            await _done.Task.WaitAsync(TimeSpan.FromMinutes(5));
            return messages / ((double)(_last - _first) / Stopwatch.Frequency);
        }
    }

    private static async Task<double> MassTransitRoundAsync(IConnection connection, string host, int port, string virtualHost, string password, int messages)
    {
        await FillAsync(connection, TransitIn, messages, masstransit: true);
        HopConsumer.Clock.Reset(messages);
        await using var bus = await StartMassTransitAsync(host, port, virtualHost, password);
        var rate = await HopConsumer.Clock.RateAsync(messages);
        await PurgeAsync(connection, TransitOut, messages);
        return rate;
    }

    private static async Task<double> RawRoundAsync(IConnection connection, int messages)
    {
        await FillAsync(connection, RawIn, messages, masstransit: false);
        await using var consuming = await connection.CreateChannelAsync();
        await using var publishing = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null));
        await consuming.BasicQosAsync(0, Prefetch, global: false);
        var clock = new RoundClock();
        clock.Reset(messages);
        var consumer = new AsyncEventingBasicConsumer(consuming);
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            clock.Started();
            await publishing.BasicPublishAsync("", RawOut, mandatory: true, properties, delivery.Body);
            await consuming.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            clock.Finished();
        };
        var tag = await consuming.BasicConsumeAsync(RawIn, autoAck: false, consumer);
        var rate = await clock.RateAsync(messages);
        await consuming.BasicCancelAsync(tag);
        await PurgeAsync(connection, RawOut, messages);
        return rate;
    }

    /// <summary>Puts the round's messages in a queue, 500 confirms in flight at a time.</summary>
    private static async Task FillAsync(IConnection connection, string queue, int messages, bool masstransit)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null));
        var properties = new BasicProperties { Persistent = true, ContentType = masstransit ? "application/vnd.masstransit+json" : "application/json" };
        for (var sent = 0; sent < messages; sent += 500)
            await Task.WhenAll(Enumerable.Range(0, Math.Min(500, messages - sent))
                .Select(_ => channel.BasicPublishAsync("", queue, mandatory: true, properties, Encoding.UTF8.GetBytes(Envelope(Guid.NewGuid()))).AsTask()));
    }

    /// <summary>Empties a round's output queue, checking it holds exactly one message for each taken: every hop was made, once.</summary>
    private static async Task PurgeAsync(IConnection connection, string queue, int expected)
    {
        await using var channel = await connection.CreateChannelAsync();
        var count = await channel.QueuePurgeAsync(queue);
        if (count != expected)
            throw new InvalidOperationException($"{queue} held {count} messages after the round, not {expected}");
    }

    /// <summary>A BusHop in MassTransit's JSON envelope (raw carries the same bytes).</summary>
    private static string Envelope(Guid id) => JsonSerializer.Serialize(new
    {
        messageId = Guid.NewGuid(),
        messageType = new[] { "urn:message:Relay.Benchmarks:BusHop" },
        message = new BusHop(id, Guid.NewGuid(), [Guid.NewGuid(), Guid.NewGuid()], "en", DateTime.UtcNow),
        sentTime = DateTime.UtcNow,
    }, new JsonSerializerOptions(JsonSerializerDefaults.Web));
}
