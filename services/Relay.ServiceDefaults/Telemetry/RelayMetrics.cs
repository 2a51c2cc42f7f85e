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

    /// <summary>
    /// Bucket bounds in seconds for the stage histograms: from a few milliseconds (a no-op stage) to
    /// minutes (a message waiting behind a campaign's burst or a provider's retries).
    /// </summary>
    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    };

    /// <summary>relay_stage_wait_seconds{stage}: from an event's publication to its consumer taking it.</summary>
    public static readonly Histogram<double> StageWait = Meter.CreateHistogram("relay.stage.wait", "s",
        "Time from an event's publication to the stage's consumer taking it, by stage (the queue).", advice: Seconds);
    /// <summary>relay_stage_duration_seconds{stage,outcome}: a stage's consumer, its retries included; its count is the events each stage handled.</summary>
    public static readonly Histogram<double> StageDuration = Meter.CreateHistogram("relay.stage.duration", "s",
        "Time a stage's consumer took, retries included, by stage and outcome (done, faulted).", advice: Seconds);

    public static void StageWaited(string stage, TimeSpan wait) =>
        StageWait.Record(Math.Max(0, wait.TotalSeconds), new KeyValuePair<string, object?>("stage", stage));

    public static void StageTook(string stage, string outcome, TimeSpan took) =>
        StageDuration.Record(took.TotalSeconds, new("stage", stage), new("outcome", outcome));

    /// <summary>A gauge on Relay's meter, read when scraped: queue depth, messages by status (cached readings).</summary>
    public static ObservableGauge<long> Gauge(string name, Func<IEnumerable<Measurement<long>>> read, string unit, string description) =>
        Meter.CreateObservableGauge(name, read, unit, description);
}
