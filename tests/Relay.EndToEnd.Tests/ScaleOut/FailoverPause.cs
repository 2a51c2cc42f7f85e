namespace Relay.EndToEnd.Tests.ScaleOut;

/// <summary>
/// How long the pipeline paused when a broker node stopped, read from the moments the SMTP sink
/// accepted each email (seconds on one clock). The pause is the longest gap between consecutive
/// receipts from the last one before the stop onwards; deliveries resumed at that gap's end.
/// </summary>
/// <param name="LongestGap">The longest gap between consecutive receipts around and after the stop (s).</param>
/// <param name="GapStartAfterStop">When that gap began, counted from the stop (negative: before it).</param>
/// <param name="ResumedAfterStop">From the stop to the first receipt after the longest gap (s).</param>
/// <param name="DrainedBeforeGap">Emails accepted after the stop and before the pause (already on their way).</param>
/// <param name="LongestGapBefore">The longest gap before the stop, for comparison (s).</param>
public sealed record FailoverPause(double LongestGap, double GapStartAfterStop, double ResumedAfterStop, int DrainedBeforeGap, double LongestGapBefore)
{
    /// <summary>Null when no email arrived after the stop: the pipeline never resumed.</summary>
    public static FailoverPause? Measure(IReadOnlyList<double> receipts, double stopAt)
    {
        var sorted = receipts.Order().ToList();
        var after = sorted.Where(t => t > stopAt).ToList();
        if (after.Count == 0)
            return null;
        var before = sorted.Where(t => t <= stopAt).ToList();
        // The gap that spans the stop starts at the last receipt before it (or at the stop itself when there was none).
        var sequence = new List<double> { before.Count > 0 ? before[^1] : stopAt };
        sequence.AddRange(after);
        var (gap, at) = (0.0, 0);
        for (var i = 1; i < sequence.Count; i++)
            if (sequence[i] - sequence[i - 1] > gap)
                (gap, at) = (sequence[i] - sequence[i - 1], i);
        var gapBefore = before.Zip(before.Skip(1), (a, b) => b - a).DefaultIfEmpty(0).Max();
        return new FailoverPause(gap, sequence[at - 1] - stopAt, sequence[at] - stopAt, at - 1, gapBefore);
    }
}
