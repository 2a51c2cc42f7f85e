namespace Relay.EndToEnd.Tests.ScaleOut;

public class FailoverPauseTests
{
    [Fact]
    public void The_pause_is_the_longest_gap_after_the_stop_and_ends_when_deliveries_resume()
    {
        // Every 0.1 s until 10.0; the stop at 10.05; two emails already on their way; then nothing until 14.2.
        var receipts = Enumerable.Range(0, 101).Select(i => i / 10.0).Concat([10.1, 10.15, 14.2, 14.3, 14.4]).ToList();
        var pause = FailoverPause.Measure(receipts, stopAt: 10.05)!;
        Assert.Equal(4.05, pause.LongestGap, 3);
        Assert.Equal(0.10, pause.GapStartAfterStop, 3);
        Assert.Equal(4.15, pause.ResumedAfterStop, 3);
        Assert.Equal(2, pause.DrainedBeforeGap);
        Assert.Equal(0.1, pause.LongestGapBefore, 3);
    }

    [Fact]
    public void A_gap_that_spans_the_stop_counts_from_the_last_email_before_it()
    {
        var pause = FailoverPause.Measure([1.0, 2.0, 9.0, 9.5], stopAt: 3.0)!;
        Assert.Equal(7.0, pause.LongestGap, 3);
        Assert.Equal(-1.0, pause.GapStartAfterStop, 3);
        Assert.Equal(6.0, pause.ResumedAfterStop, 3);
        Assert.Equal(0, pause.DrainedBeforeGap);
    }

    [Fact]
    public void Nothing_after_the_stop_means_the_pipeline_never_resumed() =>
        Assert.Null(FailoverPause.Measure([1.0, 2.0], stopAt: 3.0));
}
