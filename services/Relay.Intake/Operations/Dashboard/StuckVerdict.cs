using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake.Operations.Dashboard;

/// <summary>Messages in one status that is not final: how many, and since when the oldest has not changed (and was received).</summary>
public sealed record StatusWait(string Status, int Count, DateTime OldestUpdatedAt, DateTime OldestReceivedAt);

/// <summary>What the database says: messages and deliveries by status, who waits where, the outbox backlog.</summary>
public sealed record PipelineReadings(
    IReadOnlyDictionary<string, int> Messages,
    IReadOnlyDictionary<string, int> Deliveries,
    IReadOnlyList<StatusWait> Waiting,
    int OutboxWaiting,
    DateTime? OldestOutboxEventAt,
    int DeliveriesFailedLastDay);

/// <summary>One queue as the management API sees it; <paramref name="DepthSamples"/> are its depths over the last minutes, oldest first.</summary>
public sealed record QueueReading(string Name, long Ready, long Unacknowledged, int Consumers, IReadOnlyList<long> DepthSamples)
{
    public long Messages => Ready + Unacknowledged;
    public bool IsErrorQueue => Name.EndsWith(ErrorQueues.Suffix, StringComparison.Ordinal) || Name == BrokerPolicy.DeadLetterQueue;
    public bool IsSkippedQueue => Name.EndsWith(SkippedSuffix, StringComparison.Ordinal);
    public const string SkippedSuffix = "_skipped";
}

/// <summary>The broker's queues, or why they could not be read (the management API did not answer).</summary>
public sealed record BrokerReadings(IReadOnlyList<QueueReading> Queues, string? Unanswered)
{
    public static BrokerReadings NotAnswering(string why) => new([], why);
}

/// <summary>Something stuck or failing, and where: <paramref name="Place"/> names the status, queue or table.</summary>
public sealed record Problem(string Place, string What);

/// <summary>
/// "Is anything stuck, and where?" as a pure function of the readings: each problem named with its
/// place, none when all is clear. The thresholds are <see cref="DashboardOptions"/>.
/// </summary>
public static class StuckVerdict
{
    /// <summary>The statuses a worker moves a message out of within seconds, and what waiting in each means.</summary>
    private static readonly (string Status, string Meaning)[] Moving =
    [
        (MessageStatus.Received, "received but not translated"),
        (MessageStatus.Translated, "translated but not screened"),
        (MessageStatus.Approved, "approved but not delivered"),
    ];

    /// <summary>The statuses a person moves a message out of.</summary>
    private static readonly (string Status, string Meaning)[] Waiting =
    [
        (MessageStatus.Held, "held for review"),
        (MessageStatus.AwaitingRecipients, "waiting for a coordinator to choose its recipients"),
    ];

    public static IReadOnlyList<Problem> Decide(DateTime now, PipelineReadings pipeline, BrokerReadings broker, DashboardOptions options)
    {
        var problems = new List<Problem>();
        foreach (var wait in pipeline.Waiting)
        {
            if (Moving.FirstOrDefault(m => m.Status == wait.Status) is { Meaning: { } moving } && now - wait.OldestUpdatedAt > options.StuckAfter)
                problems.Add(new(wait.Status, $"{Count(wait.Count, "message")} {moving}; the oldest unchanged for {Duration(now - wait.OldestUpdatedAt)}."));
            else if (wait.Status == MessageStatus.AwaitingTranslation && now - wait.OldestReceivedAt > options.StuckAfter)
                // Retries move UpdatedAt; how long since it came in is what a coordinator needs to know.
                problems.Add(new(wait.Status, $"{Count(wait.Count, "message")} waiting for a translation no provider could make; the oldest received {Duration(now - wait.OldestReceivedAt)} ago."));
            else if (Waiting.FirstOrDefault(m => m.Status == wait.Status) is { Meaning: { } waiting } && now - wait.OldestUpdatedAt > options.HeldAfter)
                problems.Add(new(wait.Status, $"{Count(wait.Count, "message")} {waiting}; the oldest for {Duration(now - wait.OldestUpdatedAt)}."));
        }

        if (pipeline.OldestOutboxEventAt is { } oldest && now - oldest > options.OutboxAfter)
            problems.Add(new("outbox", $"{Count(pipeline.OutboxWaiting, "event")} not yet on the broker; the oldest recorded {Duration(now - oldest)} ago. Is the broker reachable?"));

        if (pipeline.Deliveries.GetValueOrDefault(DeliveryStatus.Deferred) is > 0 and var deferred)
            problems.Add(new(DeliveryStatus.Deferred, $"{Count(deferred, "delivery", "deliveries")} deferred: the recipient's mail server did not take {(deferred == 1 ? "it" : "them")} yet; tried again later."));
        if (pipeline.DeliveriesFailedLastDay > 0)
            problems.Add(new(DeliveryStatus.Failed, $"{Count(pipeline.DeliveriesFailedLastDay, "delivery", "deliveries")} failed for good in the last 24 hours."));

        if (broker.Unanswered is { } why)
        {
            problems.Add(new("broker", $"The broker's management API does not answer ({why}): queues and error queues cannot be seen."));
            return problems;
        }
        foreach (var queue in broker.Queues)
        {
            if (queue.IsErrorQueue)
            {
                if (queue.Messages > 0)
                    problems.Add(new(queue.Name, queue.Name == BrokerPolicy.DeadLetterQueue
                        ? $"{Count(queue.Messages, "message")} dead-lettered: delivered too often without being acknowledged."
                        : $"{Count(queue.Messages, "message")} a consumer of {queue.Name[..^ErrorQueues.Suffix.Length]} gave up on after its retries."));
            }
            else if (queue.IsSkippedQueue)
            {
                if (queue.Messages > 0)
                    problems.Add(new(queue.Name, $"{Count(queue.Messages, "message")} no consumer of {queue.Name[..^QueueReading.SkippedSuffix.Length]} recognised."));
            }
            else if (queue.Consumers == 0 && queue.Messages > 0)
                // An empty queue without a consumer holds nothing up yet (and the broker's own, such as
                // aliveness-test, have none); the table of queues shows it.
                problems.Add(new(queue.Name, $"No consumer, {Count(queue.Messages, "message")} waiting: is its worker running?"));
            else if (IsGrowing(queue.DepthSamples))
                problems.Add(new(queue.Name, $"Growing: from {queue.DepthSamples[0]} to {queue.DepthSamples[^1]} messages over the last {Duration(options.GrowingOver)}; its consumers do not keep up."));
        }
        return problems;
    }

    /// <summary>
    /// Never fell over the samples, and rose in at least half of the intervals (two at least): a
    /// backlog that keeps building, not one message that arrived.
    /// </summary>
    public static bool IsGrowing(IReadOnlyList<long> samples)
    {
        var steps = samples.Zip(samples.Skip(1)).Select(p => p.Second - p.First).ToList();
        var rises = steps.Count(s => s > 0);
        return steps.All(s => s >= 0) && rises >= 2 && rises * 2 >= steps.Count;
    }

    public static string Duration(TimeSpan span) => span switch
    {
        { TotalMinutes: < 1 } => Count((long)span.TotalSeconds, "second"),
        { TotalHours: < 1 } => Count((long)span.TotalMinutes, "minute"),
        { TotalDays: < 2 } => Count((long)span.TotalHours, "hour"),
        _ => Count((long)span.TotalDays, "day"),
    };

    private static string Count(long n, string one, string? many = null) => $"{n} {(n == 1 ? one : many ?? one + "s")}";
}
