using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Relay.Benchmarks;

/// <summary>
/// Where a letter's time goes between the stages, from what Relay itself stores: each outbox event's
/// CreatedAt (the stage committed it) and DispatchedAt (the broker confirmed it), and the delivery's
/// FirstAttemptAt (claimed for sending) and At (the send's outcome recorded). Every process writes
/// UTC from its own clock on the same machine, so the differences are comparable.
/// </summary>
public static class PipelineHops
{
    /// <summary>The hops in the order a letter passes them.</summary>
    public static readonly string[] Names =
    [
        "intake commit → broker (outbox)",
        "broker → translation committed",
        "translation commit → broker (outbox)",
        "broker → moderation committed",
        "moderation commit → broker (outbox)",
        "broker → delivery claimed (batch wait)",
        "claimed → send recorded (SMTP)",
    ];

    /// <summary>Each hop's time in ms for each message that passed every hop (messages that did not are left out).</summary>
    public static Dictionary<string, List<double>> Read(string databasePath, IEnumerable<Guid> messageIds)
    {
        var hops = Names.ToDictionary(n => n, _ => new List<double>());
        using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly");
        connection.Open();
        foreach (var id in messageIds)
        {
            var events = new Dictionary<string, (DateTime Created, DateTime? Dispatched)>();
            using (var command = connection.CreateCommand())
            {
                // The payload is the event's JSON, which names the message; the type is the event's full name.
                command.CommandText = "SELECT EventType, CreatedAt, DispatchedAt FROM outbox WHERE Payload LIKE $id";
                command.Parameters.AddWithValue("$id", $"%{id}%");
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var type = reader.GetString(0);
                    type = type[(type.LastIndexOf('.') + 1)..];
                    events.TryAdd(type, (Parse(reader.GetString(1)), reader.IsDBNull(2) ? null : Parse(reader.GetString(2))));
                }
            }
            DateTime? claimed = null, sent = null;
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT MIN(FirstAttemptAt), MAX(At) FROM deliveries WHERE MessageId = $id";
                command.Parameters.AddWithValue("$id", id.ToString().ToUpperInvariant());
                using var reader = command.ExecuteReader();
                if (reader.Read() && !reader.IsDBNull(0))
                    (claimed, sent) = (Parse(reader.GetString(0)), Parse(reader.GetString(1)));
            }
            if (!events.TryGetValue("MessageSubmitted", out var submitted) || !events.TryGetValue("MessageTranslated", out var translated)
                || !events.TryGetValue("MessageApproved", out var approved) || claimed is null || sent is null
                || submitted.Dispatched is null || translated.Dispatched is null || approved.Dispatched is null)
                continue;
            double[] times =
            [
                Ms(submitted.Created, submitted.Dispatched.Value),
                Ms(submitted.Dispatched.Value, translated.Created),
                Ms(translated.Created, translated.Dispatched.Value),
                Ms(translated.Dispatched.Value, approved.Created),
                Ms(approved.Created, approved.Dispatched.Value),
                Ms(approved.Dispatched.Value, claimed.Value),
                Ms(claimed.Value, sent.Value),
            ];
            for (var i = 0; i < Names.Length; i++)
                hops[Names[i]].Add(times[i]);
        }
        return hops;
    }

    private static double Ms(DateTime from, DateTime to) => (to - from).TotalMilliseconds;

    private static DateTime Parse(string text) =>
        DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
}
