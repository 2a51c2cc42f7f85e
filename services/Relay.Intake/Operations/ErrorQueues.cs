using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Relay.ServiceDefaults;

namespace Relay.Intake.Operations;

/// <summary>An endpoint's _error queue: what a consumer could not handle after its retries.</summary>
public sealed record ErrorQueue(string Queue, string ErrorQueueName, long Messages);

/// <summary>
/// The _error queues, seen and emptied by a coordinator once the cause is fixed: every message in
/// <c>X_error</c> is published back to <c>X</c> (publisher confirms, mandatory), without the fault
/// headers MassTransit added, and only then acknowledged, so a failure midway loses nothing (what was
/// moved is consumed again; every consumer is idempotent).
/// </summary>
public sealed partial class ErrorQueues(IOptions<RabbitMqOptions> options, IHttpClientFactory http, ILogger<ErrorQueues> logger)
{
    public const string Suffix = "_error";

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,200}$")]
    private static partial Regex QueueName();

    public static bool IsQueueName(string queue) => QueueName().IsMatch(queue) && !queue.EndsWith(Suffix, StringComparison.Ordinal);

    /// <summary>Every _error queue of the virtual host, from the management API, with its message count.</summary>
    public async Task<IReadOnlyList<ErrorQueue>> ListAsync(CancellationToken cancellationToken)
    {
        var broker = options.Value;
        using var response = await broker.ManagementClient(http).GetAsync(
            $"api/queues/{Uri.EscapeDataString(broker.VirtualHost)}?columns=name,messages", cancellationToken);
        response.EnsureSuccessStatusCode();
        var queues = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return queues.EnumerateArray()
            .Select(q => (Name: q.GetProperty("name").GetString()!, Messages: q.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt64() : 0))
            .Where(q => q.Name.EndsWith(Suffix, StringComparison.Ordinal) || q.Name == BrokerPolicy.DeadLetterQueue)
            .Select(q => q.Name == BrokerPolicy.DeadLetterQueue
                ? new ErrorQueue(q.Name, q.Name, q.Messages)
                : new ErrorQueue(q.Name[..^Suffix.Length], q.Name, q.Messages))
            .OrderBy(q => q.Queue, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Moves the messages that are in <c>queue_error</c> now back to <c>queue</c>; for the dead-letter
    /// queue, each message back to the queue it was dead-lettered from (its x-death header). Null when
    /// there is no such error queue.
    /// </summary>
    public async Task<int?> ReplayAsync(string queue, string actor, CancellationToken cancellationToken)
    {
        var deadLetters = queue == BrokerPolicy.DeadLetterQueue;
        var source = deadLetters ? queue : queue + Suffix;
        var broker = options.Value;
        var factory = new ConnectionFactory
        {
            HostName = broker.Host, Port = broker.Port, VirtualHost = broker.VirtualHost, UserName = broker.Username, Password = broker.Password,
            ClientProvidedName = "relay-intake-error-replay",
        };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        uint waiting;
        try
        {
            waiting = (await channel.QueueDeclarePassiveAsync(source, cancellationToken)).MessageCount;
            if (!deadLetters)
                await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }

        var moved = 0;
        // Only what is there now: a message that fails again while this runs comes back to the end of the queue.
        for (; moved < waiting; moved++)
        {
            var got = await channel.BasicGetAsync(source, autoAck: false, cancellationToken);
            if (got is null)
                break;
            var target = deadLetters ? DeadLetteredFrom(got.BasicProperties.Headers) : queue;
            if (target is null)
            {
                // Not dead-lettered by the broker (no x-death): left where it is for a person to look at.
                await channel.BasicNackAsync(got.DeliveryTag, multiple: false, requeue: true, cancellationToken);
                logger.LogWarning("A message in {Queue} has no x-death header and was left there", source);
                break;
            }
            var properties = new BasicProperties(got.BasicProperties)
            {
                Headers = got.BasicProperties.Headers?.Where(h => !IsFaultHeader(h.Key)).ToDictionary(h => h.Key, h => h.Value),
            };
            await channel.BasicPublishAsync("", target, mandatory: true, properties, got.Body, cancellationToken);
            await channel.BasicAckAsync(got.DeliveryTag, multiple: false, cancellationToken);
        }
        logger.LogWarning("{Actor} replayed {Count} message(s) from {ErrorQueue} to {Queue}", actor, moved, source, deadLetters ? "the queues they came from" : queue);
        return moved;
    }

    /// <summary>
    /// What MassTransit adds when it moves a message to an _error queue (MT-Fault-*, MT-Reason,
    /// MT-Host-*), and the broker when it dead-letters one (x-death, x-first-death-*, x-last-death-*).
    /// </summary>
    public static bool IsFaultHeader(string name) =>
        name.StartsWith("MT-Fault-", StringComparison.OrdinalIgnoreCase) || name.Equals("MT-Reason", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("MT-Host-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("x-death", StringComparison.OrdinalIgnoreCase) || name.StartsWith("x-first-death-", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("x-last-death-", StringComparison.OrdinalIgnoreCase);

    /// <summary>The queue the broker dead-lettered a message from: the first entry of its x-death header.</summary>
    public static string? DeadLetteredFrom(IDictionary<string, object?>? headers) =>
        headers?.TryGetValue("x-death", out var death) == true && death is IList<object> { Count: > 0 } entries
        && entries[0] is IDictionary<string, object> first && first.TryGetValue("queue", out var queue)
            ? queue switch { byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes), string text => text, _ => null }
            : null;
}
