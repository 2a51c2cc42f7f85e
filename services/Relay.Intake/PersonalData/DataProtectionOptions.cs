namespace Relay.Intake.PersonalData;

/// <summary>The "DataProtection" section: how long personal data is kept, and how the anonymisation runs.</summary>
public class DataProtectionOptions
{
    /// <summary>A message, a supporter or an intake email older than this loses its personal data (two years, as WriteToThem does).</summary>
    public TimeSpan AnonymiseAfter { get; set; } = TimeSpan.FromDays(730);

    /// <summary>How often the intake looks for what has become due.</summary>
    public TimeSpan RunEvery { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long after the intake starts the first round runs (then every <see cref="RunEvery"/>), so that a process restarted more often than daily still runs it.</summary>
    public TimeSpan FirstRunAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Rows changed per statement: each chunk is its own short transaction, so SQLite's single writer lock is never held long.</summary>
    public int ChunkSize { get; set; } = 500;
}
