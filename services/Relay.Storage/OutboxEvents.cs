using System.Collections.Concurrent;
using System.Text.Json;

namespace Relay.Storage;

/// <summary>Turns events into outbox rows and back. Event types are stored by their full name.</summary>
public static class OutboxEvents
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly ConcurrentDictionary<string, Type> Types = new();

    public static OutboxMessage Create<T>(T @event) where T : class
    {
        Types.TryAdd(typeof(T).FullName!, typeof(T));
        return new OutboxMessage
        {
            EventId = Guid.NewGuid(),
            EventType = typeof(T).FullName!,
            Payload = JsonSerializer.Serialize(@event, Json),
            CreatedAt = DateTime.UtcNow,
        };
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
