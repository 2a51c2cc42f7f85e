namespace Relay.EndToEnd.Tests.Faults;

/// <summary>
/// The relay as the fault suite runs it: every process real, on the real services, with the
/// limits meant for the public internet lifted (one test client sends 500 letters from three
/// unions to one mail domain in a minute) and retries and leases brought from minutes to seconds, so a
/// scenario settles within the test run. The moderation rules that would hold a busy union's
/// letters (rate, duplicate) are off: the suite measures faults, not moderation.
/// </summary>
public class FaultRelay(Func<string, IEnumerable<(string Name, string Value)>>? extra = null) : RelayProcesses
{
    protected override IEnumerable<(string Name, string Value)> Settings(string service) =>
    [
        .. UnderLoad,
        ("Delivery__FirstRetryDelay", "00:00:02"),
        ("Delivery__MaxRetryDelay", "00:00:05"),
        ("Delivery__ScanInterval", "00:00:01"),
        // A claimed delivery is held for three SMTP timeouts and a minute: a killed worker's claims come due sooner.
        ("Smtp__Timeout", "00:00:05"),
        ("Translation__RetryAwaitingEvery", "00:00:03"),
        .. extra?.Invoke(service) ?? [],
    ];
}
