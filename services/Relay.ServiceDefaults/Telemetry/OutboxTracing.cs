using System.Diagnostics;
using Relay.Storage;

namespace Relay.ServiceDefaults.Telemetry;

/// <summary>The span around one outbox row's publication, a child of the span that wrote the row.</summary>
public static class OutboxTracing
{
    /// <summary>
    /// Starts "outbox publish" under the row's stored traceparent, so MassTransit's send span (and every
    /// consumer after it) joins the trace of the request or consumer that wrote the row. Null when nobody
    /// records traces; a row written outside a trace starts a new one.
    /// </summary>
    public static Activity? StartPublish(OutboxMessage row)
    {
        if (!RelayMetrics.Source.HasListeners())
            return null;
        ActivityContext.TryParse(OutboxEvents.TraceParent(row), null, out var parent);
        var activity = RelayMetrics.Source.StartActivity("outbox publish", ActivityKind.Producer, parent);
        activity?.SetTag("relay.event_type", row.EventType);
        activity?.SetTag("relay.outbox_id", row.Id);
        return activity;
    }
}
