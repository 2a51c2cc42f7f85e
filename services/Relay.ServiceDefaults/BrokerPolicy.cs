using System.Net.Http.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Relay.ServiceDefaults;

/// <summary>
/// What the broker does with a message no consumer gets through: every queue of the virtual host
/// that a worker consumes (not the dead-letter queue, nor MassTransit's <c>_error</c> and
/// <c>_skipped</c> queues) is under a policy that dead-letters a message to
/// <see cref="DeadLetterQueue"/> once it was delivered <see cref="RabbitMqOptions.DeliveryLimit"/>
/// times without being acknowledged (a message that kills its worker every time), so nothing loops
/// forever and nothing is dropped. A policy, not queue arguments: it applies to queues that already
/// exist and can change without redeclaring them. Every process applies it through the management
/// API at start (the same definition each time); until that succeeds it tries again every minute.
/// </summary>
public sealed class BrokerPolicy(IOptions<RabbitMqOptions> options, IHttpClientFactory http, ILogger<BrokerPolicy> logger) : BackgroundService
{
    public const string DeadLetterExchange = "relay.dead-letter";
    public const string DeadLetterQueue = "relay.dead-letter";
    public const string PolicyName = "relay-delivery-limit";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await ApplyAsync(stoppingToken);
                logger.LogInformation("Broker policy {Policy} in place: after {Limit} deliveries a message goes to {Queue}",
                    PolicyName, options.Value.DeliveryLimit, DeadLetterQueue);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Could not set the broker's delivery limit through {Url} (attempt {Attempt}): {Error}; trying again in a minute",
                    options.Value.ManagementUrl, attempt, e.Message);
                await Task.Delay(TimeSpan.FromMinutes(1), stoppingToken);
            }
        }
    }

    /// <summary>The dead-letter exchange and queue, then the policy; each call is idempotent.</summary>
    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        var broker = options.Value;
        var vhost = Uri.EscapeDataString(broker.VirtualHost);
        var client = broker.ManagementClient(http);

        await SendAsync(client.PutAsJsonAsync($"api/exchanges/{vhost}/{DeadLetterExchange}",
            new { type = "fanout", durable = true, auto_delete = false }, cancellationToken));
        await SendAsync(client.PutAsJsonAsync($"api/queues/{vhost}/{DeadLetterQueue}",
            new { durable = true, auto_delete = false, arguments = new Dictionary<string, object> { ["x-queue-type"] = broker.QuorumQueues ? "quorum" : "classic" } },
            cancellationToken));
        await SendAsync(client.PostAsJsonAsync($"api/bindings/{vhost}/e/{DeadLetterExchange}/q/{DeadLetterQueue}", new { routing_key = "" }, cancellationToken));
        var definition = new Dictionary<string, object> { ["dead-letter-exchange"] = DeadLetterExchange };
        if (broker.QuorumQueues)
            definition["delivery-limit"] = broker.DeliveryLimit;
        await SendAsync(client.PutAsJsonAsync($"api/policies/{vhost}/{PolicyName}", new Dictionary<string, object>
        {
            ["pattern"] = Pattern,
            ["definition"] = definition,
            ["priority"] = 0,
            ["apply-to"] = "queues",
        }, cancellationToken));
    }

    /// <summary>
    /// The queues under the delivery limit. Not the ones a person reads: a coordinator's look into an
    /// <c>_error</c> queue gets its messages and puts them back, which a quorum queue counts as a
    /// delivery, so under the limit the eleventh look would dead-letter what was only being read.
    /// </summary>
    public static readonly string Pattern = $"^(?!{System.Text.RegularExpressions.Regex.Escape(DeadLetterQueue)}$)(?!.*_(error|skipped)$)";

    private static async Task SendAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
