using Microsoft.Extensions.DependencyInjection;

namespace Relay.Tests.Translation.Contracts;

/// <summary>
/// One provider against a local server replaying its documented answers: the server, and the
/// hosts built through the real registration (HttpClient and retries) that a test asks for.
/// </summary>
public abstract class ProviderContractTests(Func<RecordedRequest, FakeAnswer> documented) : IAsyncLifetime
{
    private readonly List<ServiceProvider> _hosts = [];

    protected FakeProviderServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await FakeProviderServer.StartAsync(documented);

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
            await host.DisposeAsync();
        await Server.DisposeAsync();
    }

    protected ServiceProvider Host(Dictionary<string, string?> settings)
    {
        var host = ProviderHost.Build(settings);
        _hosts.Add(host);
        return host;
    }
}
