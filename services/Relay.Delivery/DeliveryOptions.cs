namespace Relay.Delivery;

/// <summary>
/// The "Delivery" section: how approved messages are batched, and how temporary failures are
/// retried. Postfix's deferred queue is the model for the retries: growing delays, kept in the
/// database so a restart loses no retry, then give up.
/// </summary>
public class DeliveryOptions
{
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>The delay doubles after each attempt up to this.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);
    /// <summary>A delivery still failing this long after its first attempt is given up (failed).</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(3);
    /// <summary>How often the worker looks for deferred deliveries that are due.</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>Emails a minute to one recipient domain from one worker; 0 for no limit.</summary>
    public int PerDomainPerMinute { get; set; } = 60;
    /// <summary>
    /// Approved messages delivered together, at most. No more than RabbitMq:PrefetchCount, the
    /// messages the worker takes from the broker at once: a larger batch could never fill. Half of
    /// it by default, so that two batches run at once and one's database work (loading, settling)
    /// overlaps the other's sending: measured against a sink answering in 20 ms, 92% of the raw
    /// rate with batches of 8, two at a time, against 86% with one batch of 16 (docs/benchmarks.md).
    /// </summary>
    public int BatchSize { get; set; } = 8;
    /// <summary>How long a batch that is not full waits for another message after its latest one arrived.</summary>
    public TimeSpan BatchWait { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Batches delivered side by side: as many full ones as the broker hands the worker at once.</summary>
    public int BatchesAtOnce(int prefetchCount) => Math.Max(1, prefetchCount / BatchSize);
}

/// <summary>When a deferred delivery is tried next. Pure, so the schedule is tested directly.</summary>
public static class RetrySchedule
{
    /// <summary>
    /// After <paramref name="attempts"/> attempts, the next one: 1, 2, 4 … minutes up to an hour
    /// (by default); null once the delivery has been failing for longer than it may.
    /// </summary>
    public static DateTime? NextAttempt(int attempts, DateTime firstAttemptAt, DateTime now, DeliveryOptions options)
    {
        var deadline = firstAttemptAt + options.GiveUpAfter;
        if (now >= deadline)
            return null;
        var delay = options.FirstRetryDelay * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var next = now + (delay > options.MaxRetryDelay ? options.MaxRetryDelay : delay);
        // One last attempt at the deadline rather than giving up early.
        return next > deadline ? deadline : next;
    }
}
