namespace Relay.ServiceDefaults;

/// <summary>The broker. Secrets come from the environment (RabbitMq__Password), never from files in the repository.</summary>
public class RabbitMqOptions
{
    public string Host { get; set; } = "127.0.0.1";
    public ushort Port { get; set; } = 5672;
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
