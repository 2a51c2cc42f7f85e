using System.Globalization;

namespace Relay.EndToEnd.Tests.ScaleOut;

/// <summary>
/// The relay scaled out: the intake and two instances of each worker, every process on the
/// three-node cluster (RabbitMq:ClusterNodes) and one PostgreSQL database, emails to an SMTP sink
/// of the test's own. The limits meant for the public internet and the moderation holds on a busy
/// union are lifted, as in the fault suite: this measures a failover, not moderation.
/// </summary>
public sealed class ClusterRelay(string postgres, int smtpPort) : RelayProcesses(RabbitCluster.ManagementUrl(1))
{
    protected override IEnumerable<(string Name, string Value)> Settings(string service) =>
    [
        ("RabbitMq__ClusterNodes", RabbitCluster.ClusterNodes),
        // Used at start only (the delivery-limit policy): node 1 is up then.
        ("RabbitMq__ManagementUrl", RabbitCluster.ManagementUrl(1)),
        ("Storage__Provider", "postgres"),
        ("Storage__ConnectionString", $"{postgres};Maximum Pool Size={PoolSize(service)}"),
        ("Smtp__Host", "127.0.0.1"),
        ("Smtp__Port", smtpPort.ToString(CultureInfo.InvariantCulture)),
        .. UnderLoad,
        ("Translation__RetryAwaitingEvery", "00:00:03"),
    ];

    /// <summary>
    /// Each process's most PostgreSQL connections. Nine processes share one server (max_connections
    /// 100, and other work uses it too): Npgsql's default of 100 a process ran it out of connections
    /// ("53300 too many clients") in the first run. The intake needs the most: eight clients at once
    /// held six connections for the pool's whole 15-second timeout.
    /// </summary>
    public static int PoolSize(string service) => service == "Relay.Intake" ? 30 : 6;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var service in Services.Skip(1))
            Start(service);
        await WaitAsync("two consumers on every worker queue", async () => (await ConsumersAsync()).Values.All(n => n >= 2));
    }
}
