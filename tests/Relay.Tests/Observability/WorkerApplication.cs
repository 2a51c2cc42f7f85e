using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Relay.Tests.Support;

namespace Relay.Tests.Observability;

/// <summary>
/// One worker's real Program in memory (its health, readiness and metrics endpoints), on a test
/// database, with MassTransit's test harness in place of RabbitMQ. <typeparamref name="TEntry"/> is
/// any type of the worker's assembly.
/// </summary>
public sealed class WorkerApplication<TEntry>(TestDatabase database, params (string Key, string Value)[] settings)
    : WebApplicationFactory<TEntry> where TEntry : class
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Storage:ConnectionString", database.Options.ConnectionString);
        builder.UseSetting("Links:Secret", TestSecrets.LinkSecret);
        builder.UseSetting("Outbox:PollInterval", "00:00:00.100");
        foreach (var (key, value) in settings)
            builder.UseSetting(key, value);
        builder.ConfigureTestServices(services => services.AddMassTransitTestHarness());
    }

    /// <summary>The in-memory client, made off xunit's synchronisation context (the factory blocks on the host's start).</summary>
    public Task<HttpClient> ClientAsync() => Task.Run(CreateClient);
}
