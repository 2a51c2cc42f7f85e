namespace Relay.ServiceDefaults;

public class OutboxOptions
{
    /// <summary>How often the dispatcher looks for events written by other processes.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);
    /// <summary>How long a claimed batch is reserved for one dispatcher before another may take it.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Events claimed and published per batch.</summary>
    public int BatchSize { get; set; } = 100;
    /// <summary>How long a published event's row is kept before it is deleted (for looking into a recent run of the pipeline).</summary>
    public TimeSpan KeepDispatchedFor { get; set; } = TimeSpan.FromDays(7);
    /// <summary>How often the dispatcher deletes the published events older than <see cref="KeepDispatchedFor"/>.</summary>
    public TimeSpan PurgeEvery { get; set; } = TimeSpan.FromHours(1);
    /// <summary>How long one publish may wait for the broker's confirm.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
