using System.Diagnostics.Metrics;
using Relay.ServiceDefaults.Telemetry;
using Relay.Storage;

namespace Relay.Intake.Operations;

/// <summary>
/// The pipeline's counts as gauges on /metrics, from the same query as GET /api/pipeline:
/// relay.messages{status}, relay.deliveries.current{status}, relay.outbox.waiting and
/// relay.outbox.oldest.age (seconds). Only the intake serves them, so a cluster of workers does not
/// report the one shared database several times over; read at most every 15 seconds.
/// </summary>
public sealed class PipelineGauges
{
    private readonly IServiceScopeFactory _scopes;
    private readonly CachedReading<PipelineCounts?> _reading;

    public PipelineGauges(IServiceScopeFactory scopes, ILogger<PipelineGauges> logger)
    {
        _scopes = scopes;
        _reading = new(ReadAsync, null, logger);
        RelayMetrics.Gauge("relay.messages", () => ByStatus(_reading.Current?.Messages), "{message}",
            "Solidarity messages in each status.");
        RelayMetrics.Gauge("relay.deliveries.current", () => ByStatus(_reading.Current?.Deliveries), "{delivery}",
            "Deliveries (one per recipient union and language) in each status.");
        RelayMetrics.Gauge("relay.outbox.waiting", () => _reading.Current is { } c ? [new(c.OutboxWaiting)] : [], "{event}",
            "Committed pipeline events not yet confirmed by the broker.");
        RelayMetrics.Gauge("relay.outbox.oldest.age", () => OldestAge(_reading.Current), "s",
            "Age of the oldest event waiting in the outbox (0 when none waits).");
    }

    public Task RefreshAsync() => _reading.RefreshAsync();

    private async Task<PipelineCounts?> ReadAsync()
    {
        await using var scope = _scopes.CreateAsyncScope();
        return await PipelineApi.ReadAsync(scope.ServiceProvider.GetRequiredService<RelayDb>(), CancellationToken.None);
    }

    public static IEnumerable<Measurement<long>> ByStatus(IReadOnlyDictionary<string, int>? counts) =>
        counts is null ? [] : counts.Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>("status", c.Key)));

    public static IEnumerable<Measurement<long>> OldestAge(PipelineCounts? counts) => counts is null ? [] :
        [new((long)Math.Max(0, counts.OldestOutboxEventAt is { } at ? (DateTime.UtcNow - at).TotalSeconds : 0))];
}

public static class PipelineGaugesExtensions
{
    /// <summary>The gauges register themselves when first made: make them at start.</summary>
    public static IServiceCollection AddPipelineGauges(this IServiceCollection services)
    {
        services.AddSingleton<PipelineGauges>();
        services.AddHostedService<PipelineGaugesStart>();
        return services;
    }

    private sealed class PipelineGaugesStart(PipelineGauges gauges) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) { GC.KeepAlive(gauges); return Task.CompletedTask; }
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
