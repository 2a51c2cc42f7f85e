using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Relay.Storage;

/// <summary>
/// Turns events into outbox rows and back. Event types are stored by their full name. When the row is
/// written inside a recorded trace, the payload carries the W3C traceparent of the writer in the
/// property <see cref="TraceParentProperty"/> (the table has no column for it, and an extra property
/// is ignored when the event is read back), so the dispatcher that publishes it later, in whatever
/// process, continues the same trace.
/// </summary>
public static class OutboxEvents
{
    public const string TraceParentProperty = "relayTraceParent";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly ConcurrentDictionary<string, Type> Types = new();
    // The meter "Relay" (ServiceDefaults' RelayMetrics has the others): one count per pipeline event
    // written, by its type (MessageTranslated, MessageScreened, MessageDelivered...): how many messages
    // left each stage, at no cost to the database.
    private static readonly Counter<long> Written = new Meter("Relay").CreateCounter<long>("relay.pipeline.events", "{event}",
        "Pipeline events written to the outbox, by event type: the messages that left each stage.");

    public static OutboxMessage Create<T>(T @event) where T : class
    {
        Types.TryAdd(typeof(T).FullName!, typeof(T));
        Written.Add(1, new KeyValuePair<string, object?>("event", typeof(T).Name));
        return new OutboxMessage
        {
            EventId = Guid.CreateVersion7(),
            EventType = typeof(T).FullName!,
            Payload = Activity.Current is { Recorded: true } writer ? WithTraceParent(@event, writer.Id!) : JsonSerializer.Serialize(@event, Json),
            CreatedAt = DateTime.UtcNow,
        };
    }

    private static string WithTraceParent<T>(T @event, string traceParent)
    {
        var node = JsonSerializer.SerializeToNode(@event, Json);
        if (node is not JsonObject json)
            return JsonSerializer.Serialize(@event, Json);
        json[TraceParentProperty] = traceParent;
        return json.ToJsonString(Json);
    }

    /// <summary>The traceparent the row was written under; null when it was written outside a trace.</summary>
    public static string? TraceParent(OutboxMessage row)
    {
        // Cheap for the rows without one (tracing off): no parse at all.
        if (!row.Payload.Contains(TraceParentProperty, StringComparison.Ordinal))
            return null;
        try
        {
            return JsonNode.Parse(row.Payload) is JsonObject json && json[TraceParentProperty] is JsonValue value
                && value.TryGetValue(out string? traceParent) ? traceParent : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads a row back into its event; the event's assembly must be loaded.</summary>
    public static (object Event, Type Type) Read(OutboxMessage row)
    {
        var type = Types.GetOrAdd(row.EventType, name =>
            AppDomain.CurrentDomain.GetAssemblies()
                .Select(a => a.GetType(name))
                .FirstOrDefault(t => t is not null)
            ?? throw new InvalidOperationException($"Unknown event type {name} in outbox row {row.Id}."));
        var value = JsonSerializer.Deserialize(row.Payload, type, Json)
            ?? throw new InvalidOperationException($"Outbox row {row.Id} holds an empty payload.");
        return (value, type);
    }
}
