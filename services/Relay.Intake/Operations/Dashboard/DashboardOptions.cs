namespace Relay.Intake.Operations.Dashboard;

/// <summary>The "Dashboard" section: when the coordinators' dashboard calls something stuck.</summary>
public class DashboardOptions
{
    /// <summary>
    /// A message received, translated or approved and unchanged this long, or waiting for a
    /// translation this long since it was received, is stuck: the workers move one on in seconds.
    /// </summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>A message held for review, or waiting for a coordinator to choose its recipients, this long is overdue.</summary>
    public TimeSpan HeldAfter { get; set; } = TimeSpan.FromDays(1);
    /// <summary>An outbox event not on the broker this long after it was recorded is stuck (the dispatcher publishes within a second).</summary>
    public TimeSpan OutboxAfter { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>How long the page waits for the broker's management API before it says it does not answer.</summary>
    public TimeSpan ManagementTimeout { get; set; } = TimeSpan.FromSeconds(3);
    /// <summary>The window over which a queue whose depth only rose is called growing (the management API keeps samples).</summary>
    public TimeSpan GrowingOver { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>How many messages of an error queue a coordinator's peek shows.</summary>
    public int PeekMessages { get; set; } = 10;
    /// <summary>How many failing or deferred deliveries the page lists, newest first.</summary>
    public int DeliveriesShown { get; set; } = 20;
}
