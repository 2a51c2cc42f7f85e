using System.Diagnostics;
using Relay.Storage;

namespace Relay.ServiceDefaults.Telemetry;

/// <summary>The solidarity message a pipeline event is about: its MessageId property (every pipeline event has one).</summary>
public static class MessageIds
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, System.Reflection.PropertyInfo?> Properties = new();

    public static Guid? Of(object @event) =>
        Properties.GetOrAdd(@event.GetType(), t => t.GetProperty("MessageId") is { PropertyType: var p } property && p == typeof(Guid) ? property : null)
            ?.GetValue(@event) as Guid?;
}

/// <summary>The span around one outbox row's publication, a child of the span that wrote the row.</summary>
public static class OutboxTracing
{
    /// <summary>
    /// Starts "outbox publish" under the row's stored traceparent, so MassTransit's send span (and every
    /// consumer after it) joins the trace of the request or consumer that wrote the row. Null when nobody
    /// records traces; a row written outside a trace starts a new one.
    /// </summary>
    public static Activity? StartPublish(OutboxMessage row, object message)
    {
        if (!RelayMetrics.Source.HasListeners())
            return null;
        ActivityContext.TryParse(OutboxEvents.TraceParent(row), null, out var parent);
        var activity = RelayMetrics.Source.StartActivity("outbox publish", ActivityKind.Producer, parent);
        activity?.SetTag("relay.event_type", row.EventType);
        activity?.SetTag("relay.outbox_id", row.Id);
        if (activity is not null && MessageIds.Of(message) is { } id)
            activity.SetTag(RelayMetrics.MessageIdTag, id);
        return activity;
    }
}
