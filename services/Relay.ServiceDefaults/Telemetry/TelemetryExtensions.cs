using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Relay.ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>
    /// Metrics always (Relay's meter, MassTransit's, ASP.NET Core, HttpClient, the runtime), served on
    /// /metrics for Prometheus and sent by OTLP when a collector is configured. Traces (ASP.NET Core,
    /// HttpClient, MassTransit's own spans and Relay's) only when OTLP is configured: with nobody to
    /// read them, recording every span would cost the pipeline CPU for nothing.
    /// </summary>
    public static IHostApplicationBuilder AddRelayTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration("Telemetry");
        var options = builder.Configuration.GetSection("Telemetry").Get<TelemetryOptions>() ?? new TelemetryOptions();
        var endpoint = options.OtlpEndpoint is { Length: > 0 } configured ? configured : builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var otlp = !string.IsNullOrEmpty(endpoint);

        builder.Services.AddSingleton<QueueDepthReader>();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(RelayMetrics.MeterName, InstrumentationOptions.MeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
                // The gauge registers itself when the reader is first made: make it with the meter provider.
                metrics.ConfigureServices(s => s.AddHostedService<QueueDepthStart>());
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SampleRatio)))
                .AddSource(DiagnosticHeaders.DefaultListenerName, RelayMetrics.SourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = http =>
                    !http.Request.Path.StartsWithSegments("/health") && !http.Request.Path.StartsWithSegments("/metrics"))
                .AddHttpClientInstrumentation());
            // Telemetry:OtlpEndpoint is a gRPC collector; the standard OTEL_EXPORTER_OTLP_* variables
            // (endpoint, protocol, headers) are read by the exporter itself.
            if (options.OtlpEndpoint is { Length: > 0 })
                telemetry.UseOtlpExporter(OpenTelemetry.Exporter.OtlpExportProtocol.Grpc, new Uri(options.OtlpEndpoint));
            else
                telemetry.UseOtlpExporter();
        }
        return builder;
    }

    /// <summary>Makes the queue-depth reader (and so its gauge) at start.</summary>
    private sealed class QueueDepthStart(QueueDepthReader reader) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) { GC.KeepAlive(reader); return Task.CompletedTask; }
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
