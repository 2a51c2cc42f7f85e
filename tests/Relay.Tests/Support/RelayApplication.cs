using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Relay.Intake;
using Relay.Storage;

namespace Relay.Tests.Support;

/// <summary>
/// The intake service in memory (WebApplicationFactory) on its own SQLite database, with
/// MassTransit's test harness in place of RabbitMQ: the real outbox dispatcher publishes to it.
/// </summary>
public sealed class RelayApplication : WebApplicationFactory<IntakeOptions>, IAsyncLifetime
{
    private TestDatabase _database = null!;
    private readonly string _keyFile = Path.Combine(Directory.CreateTempSubdirectory("relay-key-").FullName, "coordinator.key");

    public string CoordinatorKey => File.ReadAllText(_keyFile).Trim();

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        // Start the host (it writes the coordinator key) off xunit's synchronisation context: the
        // factory blocks on the host's start, and blocking xunit's few worker threads while the start
        // awaits continuations posted back to them deadlocks when fixtures start side by side.
        await Task.Run(() => _ = Server);
    }

    public RelayDb OpenDb() => _database.Open();

    public ITestHarness Harness => Services.GetRequiredService<ITestHarness>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Storage:ConnectionString", _database.Options.ConnectionString);
        builder.UseSetting("Intake:CoordinatorKeyFile", _keyFile);
        builder.UseSetting("Outbox:PollInterval", "00:00:00.100");
        builder.UseSetting("Links:Secret", TestSecrets.LinkSecret);
        // Every in-memory request comes from one (absent) address: the per-address limits would count
        // all the tests of a class together. RateLimitTests sets them low where it tests them.
        builder.UseSetting("RateLimits:PerAddressPerMinute", "100000");
        builder.UseSetting("RateLimits:FormPostsPerTenMinutes", "100000");
        // Email intake on, so pages show the unions' addresses; its mailbox is never polled here.
        builder.UseSetting("MailIntake:Host", "127.0.0.1");
        builder.UseSetting("MailIntake:Address", "relay@relay.test");
        builder.UseSetting("MailIntake:PollInterval", "7.00:00:00");
        builder.ConfigureTestServices(services => services.AddMassTransitTestHarness());
    }

    public HttpClient ClientWithKey(string? key)
    {
        var client = CreateClient();
        if (key is not null)
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _database.DisposeAsync();
    }
}
