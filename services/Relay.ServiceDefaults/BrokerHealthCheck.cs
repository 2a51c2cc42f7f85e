using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Relay.ServiceDefaults;

/// <summary>
/// Ready only when the broker answers AMQP. MassTransit's own bus check stays healthy in a process
/// that only publishes (it has no receive endpoint to lose), so intake would look ready while its
/// broker is gone; this check opens a connection and waits for the broker's Connection.Start frame.
/// </summary>
public sealed class BrokerHealthCheck(IOptions<RabbitMqOptions> options) : IHealthCheck
{
    private static readonly byte[] ProtocolHeader = [(byte)'A', (byte)'M', (byte)'Q', (byte)'P', 0, 0, 9, 1];
    private const byte MethodFrame = 1;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // On a cluster, one node that answers is enough: the bus reconnects to it.
        var problems = new List<string>();
        foreach (var (host, port) in options.Value.Nodes())
        {
            var problem = await ProbeAsync(host, port, cancellationToken);
            if (problem is null)
                return HealthCheckResult.Healthy();
            problems.Add(problem);
        }
        return HealthCheckResult.Unhealthy(string.Join(" ", problems));
    }

    /// <summary>Null when the broker at host:port answers AMQP, else what went wrong.</summary>
    private static async Task<string?> ProbeAsync(string host, ushort port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(ProtocolHeader, timeout.Token);
            var frame = new byte[1];
            return await stream.ReadAsync(frame, timeout.Token) == 1 && frame[0] == MethodFrame
                ? null
                : $"{host}:{port} does not speak AMQP 0-9-1.";
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return $"The broker at {host}:{port} is unreachable: {e.Message}";
        }
    }
}
