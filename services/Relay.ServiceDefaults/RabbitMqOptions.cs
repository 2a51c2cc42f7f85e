namespace Relay.ServiceDefaults;

/// <summary>The broker. Secrets come from the environment (RabbitMq__Password), never from files in the repository.</summary>
public class RabbitMqOptions
{
    public string Host { get; set; } = "127.0.0.1";
    public ushort Port { get; set; } = 5672;
    /// <summary>
    /// The nodes of a RabbitMQ cluster, comma-separated <c>host:port</c> (the port defaults to 5672);
    /// empty for the single broker at <see cref="Host"/>:<see cref="Port"/>. See <see cref="Nodes"/>.
    /// </summary>
    public string ClusterNodes { get; set; } = "";
    public string VirtualHost { get; set; } = "relay";
    public string Username { get; set; } = "relay";
    public string Password { get; set; } = "";
    /// <summary>Durable quorum queues (replicated on a cluster); classic queues when false.</summary>
    public bool QuorumQueues { get; set; } = true;
    /// <summary>How many messages each endpoint takes at once.</summary>
    public ushort PrefetchCount { get; set; } = 16;
    /// <summary>Deliveries without an acknowledgement after which a message is dead-lettered (quorum queues; <see cref="BrokerPolicy"/>).</summary>
    public int DeliveryLimit { get; set; } = 10;
    /// <summary>The broker's management API: the delivery-limit policy, and the coordinators' view of the _error queues.</summary>
    public string ManagementUrl { get; set; } = "http://127.0.0.1:15672";

    /// <summary>
    /// The brokers this process may connect to, in the order it tries them: every node of
    /// <see cref="ClusterNodes"/>, or <see cref="Host"/>:<see cref="Port"/> alone when it is empty.
    /// A process that loses its node connects to the next one that answers (MassTransit's cluster
    /// endpoint resolver), so one node can stop without stopping the relay.
    /// </summary>
    /// <exception cref="FormatException">A node is not <c>host</c> or <c>host:port</c> with a port from 1 to 65535.</exception>
    public IReadOnlyList<(string Host, ushort Port)> Nodes()
    {
        if (string.IsNullOrWhiteSpace(ClusterNodes))
            return [(Host, Port)];
        var nodes = new List<(string Host, ushort Port)>();
        foreach (var node in ClusterNodes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = node.LastIndexOf(':');
            var host = colon < 0 ? node : node[..colon];
            var port = colon < 0 ? "5672" : node[(colon + 1)..];
            if (host.Length == 0 || host.Contains("://", StringComparison.Ordinal)
                || !ushort.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number == 0)
                throw new FormatException($"RabbitMq:ClusterNodes has \"{node}\"; each node is host or host:port (for example 127.0.0.1:5701), separated by commas.");
            nodes.Add((host, number));
        }
        return nodes.Count > 0 ? nodes : [(Host, Port)];
    }

    /// <summary>The named HttpClient of the management API (a 10-second timeout in every process).</summary>
    public const string ManagementClientName = "rabbitmq-management";

    /// <summary>A client of the management API: its address and this user's credentials.</summary>
    public HttpClient ManagementClient(IHttpClientFactory http)
    {
        var client = http.CreateClient(ManagementClientName);
        client.BaseAddress = new Uri(ManagementUrl.TrimEnd('/') + "/");
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Username}:{Password}")));
        return client;
    }
}
