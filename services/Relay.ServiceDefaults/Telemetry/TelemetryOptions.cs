namespace Relay.ServiceDefaults.Telemetry;

/// <summary>Where traces and metrics go besides the Prometheus scrape endpoint (section "Telemetry").</summary>
public class TelemetryOptions
{
    /// <summary>
    /// The OTLP collector (e.g. http://127.0.0.1:4317). Unset: no OTLP export, and no traces are
    /// recorded at all (nothing would read them); the standard OTEL_EXPORTER_OTLP_ENDPOINT works too.
    /// </summary>
    public string? OtlpEndpoint { get; set; }
    /// <summary>The share of traces kept when OTLP export is on (parent-based: a kept trace is kept whole).</summary>
    public double SampleRatio { get; set; } = 1.0;
}
