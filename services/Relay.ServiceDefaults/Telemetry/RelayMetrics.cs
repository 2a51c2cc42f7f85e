using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Relay.ServiceDefaults.Telemetry;

/// <summary>
/// Relay's own instruments, on the meter "Relay" (exported on /metrics and by OTLP). Static so that
/// the places that count need no injection; recording is a few nanoseconds when nobody listens.
/// </summary>
public static class RelayMetrics
{
    public const string MeterName = "Relay";
    /// <summary>The ActivitySource of Relay's own spans (the SMTP send, the outbox publish).</summary>
    public const string SourceName = "Relay";
    /// <summary>The tag that names the solidarity message on every span.</summary>
    public const string MessageIdTag = "relay.message_id";

    public static readonly ActivitySource Source = new(SourceName);
    private static readonly Meter Meter = new(MeterName);

    /// <summary>relay_deliveries_total{outcome}: one SMTP send, by its outcome.</summary>
    public static readonly Counter<long> Deliveries = Meter.CreateCounter<long>("relay.deliveries", "{email}",
        "Emails handed to the SMTP server, by outcome (sent, refused, failed).");
    /// <summary>relay_translation_characters_total{provider}: characters sent to a translation provider.</summary>
    public static readonly Counter<long> TranslationCharacters = Meter.CreateCounter<long>("relay.translation.characters", "{character}",
        "Characters sent to a translation provider, by provider.");

    /// <summary>Queue depth, read from the broker's management API by <see cref="QueueDepthReader"/> (cached).</summary>
    internal static void ObserveQueueDepth(Func<IEnumerable<Measurement<long>>> read) =>
        Meter.CreateObservableGauge("relay.queue.depth", read, "{message}", "Messages ready in each of Relay's queues.");
}
