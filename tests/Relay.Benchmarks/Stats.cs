namespace Relay.Benchmarks;

/// <summary>The figures every benchmark reports.</summary>
internal static class Stats
{
    /// <summary>The middle value (the upper one of the two middles for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>The nearest-rank percentile: p in 0–1.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
