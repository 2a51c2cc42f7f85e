using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.Http.Json;
using System.Text.Json;
using Relay.EndToEnd.Tests.Faults;

namespace Relay.EndToEnd.Tests.ScaleOut;

/// <summary>
/// The three-node RabbitMQ cluster deploy/local/lib.sh starts (start_rabbitmq_cluster): nodes
/// relay-c1..3@localhost on AMQP 5701–5703 and management 15701–15703, beside the single broker the
/// other tests use, with the same user and password (the state folder's secrets.env).
/// </summary>
public sealed class RabbitCluster : IDisposable
{
    /// <summary>lib.sh's RABBITMQ_CLUSTER_PORTS; management is on each port + 10000.</summary>
    public static readonly int[] AmqpPorts = [5701, 5702, 5703];

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public RabbitCluster() =>
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"relay:{RelayProcesses.RabbitMqPassword}")));

    /// <summary>RabbitMq:ClusterNodes for the relay's processes.</summary>
    public static string ClusterNodes => string.Join(",", AmqpPorts.Select(p => $"127.0.0.1:{p}"));
    public static string NodeName(int node) => $"relay-c{node}@localhost";
    public static int NodeNumber(string name) => int.Parse(name["relay-c".Length..name.IndexOf('@')]);
    public static string ManagementUrl(int node) => $"http://127.0.0.1:{AmqpPorts[node - 1] + 10000}";

    /// <summary>A fresh cluster: whatever an earlier run left is stopped first (the next start wipes its state).</summary>
    public async Task StartAsync()
    {
        await ServiceControl.RunAsync("stop_rabbitmq_cluster && start_rabbitmq_cluster");
        using var response = await _http.GetAsync(ManagementUrl(1) + "/api/overview");
        if (!response.IsSuccessStatusCode)
        {
            // Not left running: its ports would refuse the next run's cluster.
            await StopAsync();
            throw new InvalidOperationException($"the cluster answers {(int)response.StatusCode} to RabbitMq__Password: " +
                "RELAY_STATE must name the state folder whose secrets.env holds that password (test.sh's own, or up.sh's)");
        }
    }

    /// <summary>
    /// A clean stop of one node (SIGTERM: the node's graceful shutdown), as an operator or a rolling
    /// upgrade stops it. Returns when the node's AMQP port stopped accepting connections (the moment
    /// its clients lost it, polled every 20 ms) and when the stop was asked, on the Stopwatch clock.
    /// </summary>
    public async Task<(long Asked, long Closed)> StopNodeAsync(int node)
    {
        var asked = Stopwatch.GetTimestamp();
        var stopping = ServiceControl.RunAsync($"stop_rabbitmq_cluster_node {node}");
        long? closed = null;
        while (closed is null)
        {
            using var probe = new TcpClient();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await probe.ConnectAsync("127.0.0.1", AmqpPorts[node - 1], timeout.Token);
                if (stopping.IsCompleted)
                    throw new InvalidOperationException($"{NodeName(node)} still accepts connections after its stop");
                await Task.Delay(20);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException) { closed = Stopwatch.GetTimestamp(); }
        }
        await stopping;
        return (asked, closed.Value);
    }

    public Task StopAsync() => ServiceControl.RunAsync("stop_rabbitmq_cluster");

    /// <summary>Each queue's quorum leader ("relay-c1@localhost"), asked of a node still running.</summary>
    public async Task<Dictionary<string, string>> LeadersAsync(string virtualHost, IEnumerable<string> queues, int askNode = 1)
    {
        var leaders = new Dictionary<string, string>();
        foreach (var queue in queues)
        {
            var info = await _http.GetFromJsonAsync<JsonElement>($"{ManagementUrl(askNode)}/api/queues/{Uri.EscapeDataString(virtualHost)}/{queue}");
            leaders[queue] = info.TryGetProperty("leader", out var leader) ? leader.GetString()! : info.GetProperty("node").GetString()!;
        }
        return leaders;
    }

    /// <summary>"RabbitMQ 3.10.8, Erlang 25.2.3", from the management API.</summary>
    public async Task<string> VersionAsync()
    {
        var overview = await _http.GetFromJsonAsync<JsonElement>(ManagementUrl(1) + "/api/overview");
        return $"RabbitMQ {overview.GetProperty("rabbitmq_version").GetString()}, Erlang {overview.GetProperty("erlang_version").GetString()}";
    }

    public void Dispose() => _http.Dispose();
}
