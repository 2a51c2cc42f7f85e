using MassTransit.Testing;

namespace Relay.Tests.Support;

/// <summary>
/// Waits on the harness's records by polling them. The harness's own Any() stops waiting for good
/// after its first moment of inactivity, which makes a later check in a long-lived host race.
/// </summary>
public static class HarnessExtensions
{
    public static async Task<bool> WasPublishedAsync<T>(this ITestHarness harness, Func<IPublishedMessage<T>, bool> filter, int seconds = 30)
        where T : class
    {
        for (var waited = 0; waited < seconds * 1000; waited += 20)
        {
            if (harness.Published.Select<T>().Any(filter))
                return true;
            await Task.Delay(20);
        }
        return false;
    }

    public static async Task<bool> WasConsumedAsync<T>(this ITestHarness harness, Func<IReceivedMessage<T>, bool> filter, int seconds = 60)
        where T : class
    {
        for (var waited = 0; waited < seconds * 1000; waited += 20)
        {
            if (harness.Consumed.Select<T>().Any(filter))
                return true;
            await Task.Delay(20);
        }
        return false;
    }
}
