using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Relay.ServiceDefaults.Telemetry;

/// <summary>
/// Around every consumer, outside its retries:
/// - a logging scope with the solidarity message's id, so every line the consumer logs carries
///   MessageId, and the tag relay.message_id on MassTransit's consume span (the id is read from the
///   contract's MessageId property: every pipeline event has one);
/// - the stage's latency: how long the event waited from its publication to this consumer, and how
///   long the stage took, by its outcome (relay.stage.wait, relay.stage.duration).
/// </summary>
public sealed class ConsumeTelemetryFilter<T>(ILogger<ConsumeTelemetryFilter<T>> logger) : IFilter<ConsumeContext<T>> where T : class
{
    private static readonly Func<T, Guid>? ReadId = typeof(T).GetProperty("MessageId") is { } p && p.PropertyType == typeof(Guid)
        ? (Func<T, Guid>)Delegate.CreateDelegate(typeof(Func<T, Guid>), p.GetGetMethod()!)
        : null;

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        var stage = StageName(context.ReceiveContext.InputAddress);
        var started = Stopwatch.GetTimestamp();
        if (context.SentTime is { } sent)
            RelayMetrics.StageWaited(stage, DateTime.UtcNow - sent);
        var outcome = "faulted";
        try
        {
            if (ReadId is null)
                await next.Send(context);
            else
            {
                var id = ReadId(context.Message);
                Activity.Current?.SetTag(RelayMetrics.MessageIdTag, id);
                using (logger.BeginScope(new KeyValuePair<string, object>[] { new("MessageId", id) }))
                    await next.Send(context);
            }
            outcome = "done";
        }
        finally
        {
            RelayMetrics.StageTook(stage, outcome, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>The stage is the queue the event was consumed from: translate-message, deliver-message, …</summary>
    public static string StageName(Uri? inputAddress) =>
        inputAddress?.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() is { Length: > 0 } queue
            ? queue.Split('?')[0]
            : "unknown";

    public void Probe(ProbeContext context) => context.CreateFilterScope("consumeTelemetry");
}
