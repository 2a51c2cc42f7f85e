namespace Relay.Intake.Operations.Dashboard;

/// <summary>One hour of the last day: messages received and delivered in it, and how long the delivered ones took from receipt.</summary>
public sealed record HourReading(DateTime Start, int Received, int Delivered, TimeSpan? P50, TimeSpan? P95);

/// <summary>A message touched in the last day: when it came in, and when its last email was sent (null while it is not delivered).</summary>
public sealed record MessageTimes(DateTime ReceivedAt, DateTime? DeliveredAt);

/// <summary>The last 24 hours in hourly buckets, as a pure function of the messages' times.</summary>
public static class Throughput
{
    public const int Hours = 24;

    /// <summary>The first hour shown: the current hour is the last of the 24 (and still running).</summary>
    public static DateTime Since(DateTime now) => new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(1 - Hours);

    public static IReadOnlyList<HourReading> ByHour(DateTime now, IEnumerable<MessageTimes> messages)
    {
        var since = Since(now);
        var received = new int[Hours];
        var latencies = Enumerable.Range(0, Hours).Select(_ => new List<TimeSpan>()).ToArray();
        foreach (var m in messages)
        {
            if (Bucket(since, m.ReceivedAt) is { } r)
                received[r]++;
            if (m.DeliveredAt is { } delivered && Bucket(since, delivered) is { } d)
                latencies[d].Add(delivered - m.ReceivedAt);
        }
        return Enumerable.Range(0, Hours).Select(h =>
        {
            latencies[h].Sort();
            return new HourReading(since.AddHours(h), received[h], latencies[h].Count, Percentile(latencies[h], 0.50), Percentile(latencies[h], 0.95));
        }).ToList();
    }

    /// <summary>The nearest-rank percentile of sorted values; null when there are none.</summary>
    public static TimeSpan? Percentile(IReadOnlyList<TimeSpan> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static int? Bucket(DateTime since, DateTime at)
    {
        var hour = (int)Math.Floor((at - since).TotalHours);
        return hour is >= 0 and < Hours ? hour : null;
    }
}
