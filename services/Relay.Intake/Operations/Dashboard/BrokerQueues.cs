using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Relay.ServiceDefaults;

namespace Relay.Intake.Operations.Dashboard;

/// <summary>A message seen in an error queue: its type and MessageId, and why it is there (MassTransit's fault headers, or the queue it was dead-lettered from).</summary>
public sealed record PeekedMessage(string? MessageType, string? MessageId, string? ExceptionType, string? Fault, string? FaultedAt, string? DeadLetteredFrom, long? DeliveryCount);

/// <summary>What a peek found, or why it found nothing.</summary>
public sealed record Peek(string Queue, IReadOnlyList<PeekedMessage> Messages, string? Unanswered);

/// <summary>
/// The broker's queues through its management API, with a short timeout of its own: the dashboard
/// renders without them, and says so, when the API does not answer.
/// </summary>
public sealed class BrokerQueues(IOptions<RabbitMqOptions> broker, IOptions<DashboardOptions> options, IHttpClientFactory http)
{
    /// <summary>Every queue of the virtual host but the broker's own temporary ones (MassTransit's auto-delete bus queues), by name.</summary>
    public async Task<BrokerReadings> ReadAsync(CancellationToken cancellationToken)
    {
        var window = (int)options.Value.GrowingOver.TotalSeconds;
        var path = $"api/queues/{Uri.EscapeDataString(broker.Value.VirtualHost)}"
            + $"?columns=name,auto_delete,exclusive,messages_ready,messages_unacknowledged,consumers,messages_details&lengths_age={window}&lengths_incr={Math.Max(1, window / 10)}";
        try
        {
            var queues = await GetAsync(path, cancellationToken);
            return new BrokerReadings(Queues(queues), null);
        }
        catch (Exception e) when (Unanswered(e, cancellationToken) is { } why)
        {
            return BrokerReadings.NotAnswering(why);
        }
    }

    /// <summary>
    /// The first messages of an error queue, read and put back (ackmode reject_requeue_true), so a
    /// peek takes nothing away. Each look counts as a delivery of a quorum queue's messages; the error
    /// queues are outside the broker's delivery limit (<see cref="ServiceDefaults.BrokerPolicy.Pattern"/>),
    /// so looking never dead-letters them. The page still peeks only when asked.
    /// </summary>
    public async Task<Peek> PeekAsync(string queue, CancellationToken cancellationToken)
    {
        var path = $"api/queues/{Uri.EscapeDataString(broker.Value.VirtualHost)}/{Uri.EscapeDataString(queue)}/get";
        try
        {
            using var timeout = Timeout(cancellationToken);
            using var response = await broker.Value.ManagementClient(http).PostAsJsonAsync(path,
                new { count = options.Value.PeekMessages, ackmode = "reject_requeue_true", encoding = "auto", truncate = 50_000 }, timeout.Token);
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
                return new Peek(queue, [], "there is no such queue");
            response.EnsureSuccessStatusCode();
            var got = await response.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
            return new Peek(queue, got.EnumerateArray().Select(Peeked).ToList(), null);
        }
        catch (Exception e) when (Unanswered(e, cancellationToken) is { } why)
        {
            return new Peek(queue, [], why);
        }
    }

    private async Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        using var response = await broker.Value.ManagementClient(http).GetAsync(path, timeout.Token);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
    }

    private CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.ManagementTimeout);
        return timeout;
    }

    /// <summary>Why the management API gave no usable answer; null for the request's own cancellation (the reader left).</summary>
    private string? Unanswered(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        OperationCanceledException => $"no answer from {broker.Value.ManagementUrl} within {options.Value.ManagementTimeout.TotalSeconds:0.#} s",
        HttpRequestException { StatusCode: { } status } => $"{broker.Value.ManagementUrl} answered {(int)status}",
        HttpRequestException http => $"{broker.Value.ManagementUrl}: {http.Message}",
        JsonException or InvalidOperationException or KeyNotFoundException => $"{broker.Value.ManagementUrl} answered something that is not its API's",
        _ => null,
    };

    public static IReadOnlyList<QueueReading> Queues(JsonElement queues) =>
        queues.EnumerateArray()
            .Where(q => !Bool(q, "auto_delete") && !Bool(q, "exclusive"))
            .Select(q => new QueueReading(q.GetProperty("name").GetString()!, Long(q, "messages_ready"), Long(q, "messages_unacknowledged"),
                (int)Long(q, "consumers"), Samples(q)))
            .OrderBy(q => q.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>The depths the management API sampled (it lists them newest first), oldest first; none when its statistics are off.</summary>
    private static IReadOnlyList<long> Samples(JsonElement queue) =>
        queue.TryGetProperty("messages_details", out var details) && details.ValueKind == JsonValueKind.Object
        && details.TryGetProperty("samples", out var samples) && samples.ValueKind == JsonValueKind.Array
            ? samples.EnumerateArray().Select(s => s.TryGetProperty("sample", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0)
                .Reverse().ToList()
            : [];

    public static PeekedMessage Peeked(JsonElement message)
    {
        var properties = message.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var headers = properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty("headers", out var h) && h.ValueKind == JsonValueKind.Object ? h : default;
        string? Header(string name) => headers.ValueKind == JsonValueKind.Object && headers.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString() : null;

        // MassTransit's envelope carries the message's type and id; a raw message may carry neither.
        string? type = null, id = null;
        if (message.TryGetProperty("payload", out var payload) && payload.ValueKind == JsonValueKind.String
            && message.TryGetProperty("payload_encoding", out var encoding) && encoding.GetString() == "string")
        {
            try
            {
                using var envelope = JsonDocument.Parse(payload.GetString()!);
                if (envelope.RootElement.ValueKind == JsonValueKind.Object)
                {
                    if (envelope.RootElement.TryGetProperty("messageType", out var types) && types.ValueKind == JsonValueKind.Array && types.GetArrayLength() > 0)
                        type = types[0].GetString()?.Replace("urn:message:", "", StringComparison.Ordinal);
                    if (envelope.RootElement.TryGetProperty("messageId", out var mid) && mid.ValueKind == JsonValueKind.String)
                        id = mid.GetString();
                }
            }
            catch (JsonException)
            {
                // Not JSON: shown without a type.
            }
        }
        string? Property(string name) => properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        id ??= Property("message_id");
        type ??= Property("type") ?? Header("MT-MessageType");

        string? from = null;
        if (headers.ValueKind == JsonValueKind.Object && headers.TryGetProperty("x-death", out var death) && death.ValueKind == JsonValueKind.Array
            && death.GetArrayLength() > 0 && death[0].TryGetProperty("queue", out var q))
            from = q.GetString();
        long? count = headers.ValueKind == JsonValueKind.Object && headers.TryGetProperty("x-delivery-count", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt64() : null;
        return new PeekedMessage(type, id, Header("MT-Fault-ExceptionType"), Header("MT-Fault-Message"), Header("MT-Fault-Timestamp"), from, count);
    }

    private static bool Bool(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static long Long(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
}
