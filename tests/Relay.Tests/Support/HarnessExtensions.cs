using MassTransit.Testing;

namespace Relay.Tests.Support;

/// <summary>
/// Waits on the harness's records by polling what is already recorded. Two of the harness's own
/// ways of looking deadlock or race:
/// <list type="bullet">
/// <item>The synchronous <c>Select&lt;T&gt;()</c> enumerates while holding the list's lock and, when it
/// stops, waits for the harness's inactivity callback, which needs that same lock: if the harness goes
/// inactive at that moment, the test thread and the consumer thread wait for each other for ever
/// (seen in CI as a test that never ended; the stacks showed exactly this).</item>
/// <item>Its <c>Any()</c> stops waiting for good after the first moment of inactivity, which makes a
/// later check in a long-lived host race.</item>
/// </list>
/// <see cref="Recorded{T}(IPublishedMessageList)"/> takes a snapshot through <c>SelectAsync</c> with
/// a token that is already cancelled: no lock is held while the caller looks, and nothing waits.
/// </summary>
public static class HarnessExtensions
{
    public static Task<bool> WasPublishedAsync<T>(this ITestHarness harness, Func<IPublishedMessage<T>, bool> filter, int seconds = 30)
        where T : class =>
        PollAsync(async () => (await harness.Published.Recorded<T>()).Any(filter), seconds);

    public static Task<bool> WasConsumedAsync<T>(this ITestHarness harness, Func<IReceivedMessage<T>, bool> filter, int seconds = 60)
        where T : class =>
        PollAsync(async () => (await harness.Consumed.Recorded<T>()).Any(filter), seconds);

    private static async Task<bool> PollAsync(Func<Task<bool>> found, int seconds)
    {
        for (var waited = 0; waited < seconds * 1000; waited += 20)
        {
            if (await found())
                return true;
            await Task.Delay(20);
        }
        return false;
    }

    /// <summary>The messages of type <typeparamref name="T"/> published so far.</summary>
    public static Task<List<IPublishedMessage<T>>> Recorded<T>(this IPublishedMessageList list) where T : class =>
        Snapshot<IPublishedMessage, IPublishedMessage<T>>(list);

    /// <summary>The messages of type <typeparamref name="T"/> consumed (or failed) so far.</summary>
    public static Task<List<IReceivedMessage<T>>> Recorded<T>(this IReceivedMessageList list) where T : class =>
        Snapshot<IReceivedMessage, IReceivedMessage<T>>(list);

    private static async Task<List<TTyped>> Snapshot<TElement, TTyped>(IAsyncElementList<TElement> list)
        where TElement : class, IAsyncListElement
    {
        using var now = new CancellationTokenSource();
        await now.CancelAsync();
        var found = new List<TTyped>();
        await foreach (var element in list.SelectAsync(e => e is TTyped, now.Token))
            found.Add((TTyped)(object)element);
        return found;
    }
}
