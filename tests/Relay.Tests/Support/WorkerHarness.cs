using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Tests.Support;

/// <summary>
/// A worker's consumers on MassTransit's in-memory test harness, over a real test database, with
/// the real outbox dispatcher to turn recorded events into published ones.
/// </summary>
public sealed class WorkerHarness : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private WorkerHarness(ServiceProvider provider) => _provider = provider;

    public ITestHarness Bus => _provider.GetRequiredService<ITestHarness>();
    public IServiceProvider Services => _provider;

    public static async Task<WorkerHarness> StartAsync(TestDatabase database, Action<IBusRegistrationConfigurator> consumers,
        Action<IServiceCollection, IConfiguration>? services = null, Dictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = database.Options.Provider,
            ["Storage:ConnectionString"] = database.Options.ConnectionString,
            ["Links:Secret"] = TestSecrets.LinkSecret,
        }.Concat(settings ?? [])).Build();
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton<IConfiguration>(configuration);
        collection.AddRelayStorage(configuration);
        collection.AddOptions<OutboxOptions>();
        services?.Invoke(collection, configuration);
        collection.AddMassTransitTestHarness(consumers);
        var provider = collection.BuildServiceProvider(validateScopes: true);
        await provider.GetRequiredService<ITestHarness>().Start();
        return new WorkerHarness(provider);
    }

    /// <summary>Publishes what the consumers recorded in the outbox, as the dispatcher of a running service would.</summary>
    public async Task<int> DispatchOutboxAsync()
    {
        var dispatcher = ActivatorUtilities.CreateInstance<OutboxDispatcher>(_provider);
        var total = 0;
        for (var round = 0; round < 50; round++)
        {
            var claimed = await dispatcher.DispatchBatchAsync(CancellationToken.None);
            if (claimed == 0)
                return total;
            total += claimed;
        }
        throw new TimeoutException("The outbox never emptied: publishing keeps failing.");
    }

    /// <summary>Publishes an event and waits until the consumer has finished with it (or failed).</summary>
    public async Task ConsumeAsync<T>(T message) where T : class
    {
        var id = NewId.NextGuid();
        await Bus.Bus.Publish(message, context => context.MessageId = id);
        // A consumer's entry appears once it has finished (or failed).
        Assert.True(await Bus.WasConsumedAsync<T>(c => c.Context.MessageId == id), $"{typeof(T).Name} was not consumed within 60 s");
    }

    /// <summary>
    /// Publishes events one after the other without waiting in between, so that a batch consumer
    /// takes them together, then waits until each has been consumed (or failed). Returns the
    /// bus's message id of each, in order.
    /// </summary>
    public async Task<List<Guid>> ConsumeTogetherAsync<T>(IEnumerable<T> messages) where T : class
    {
        var ids = new List<Guid>();
        foreach (var message in messages)
        {
            var id = NewId.NextGuid();
            await Bus.Bus.Publish(message, context => context.MessageId = id);
            ids.Add(id);
        }
        foreach (var id in ids)
            Assert.True(await Bus.WasConsumedAsync<T>(c => c.Context.MessageId == id), $"{typeof(T).Name} {id} was not consumed within 60 s");
        return ids;
    }

    public async ValueTask DisposeAsync()
    {
        // Bounded, so that a consumer stuck on a service cannot hold the whole test run; started on
        // the thread pool, since a stop that blocks before returning its task would escape the bound.
        await Task.Run(() => Bus.Stop()).WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Run(() => _provider.DisposeAsync().AsTask()).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
