using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Relay.ServiceDefaults.Telemetry;

/// <summary>
/// relay.queue.depth{queue}: the messages ready in each queue of Relay's virtual host, from the
/// broker's management API, read at most every 15 seconds (<see cref="CachedReading{T}"/>).
/// </summary>
public sealed class QueueDepthReader
{
    private readonly IOptions<RabbitMqOptions> _options;
    private readonly IHttpClientFactory _http;
    private readonly CachedReading<IReadOnlyList<Measurement<long>>> _reading;

    public QueueDepthReader(IOptions<RabbitMqOptions> options, IHttpClientFactory http, ILogger<QueueDepthReader> logger)
    {
        (_options, _http) = (options, http);
        _reading = new(ReadAsync, [], logger);
        RelayMetrics.Gauge("relay.queue.depth", () => _reading.Current, "{message}", "Messages ready in each of Relay's queues.");
    }

    /// <summary>One reading of every queue's ready count.</summary>
    public Task RefreshAsync() => _reading.RefreshAsync();

    private async Task<IReadOnlyList<Measurement<long>>> ReadAsync()
    {
        var broker = _options.Value;
        var client = broker.ManagementClient(_http);
        var queues = await client.GetFromJsonAsync<JsonElement>(
            $"api/queues/{Uri.EscapeDataString(broker.VirtualHost)}?columns=name,messages_ready");
        return [.. queues.EnumerateArray().Select(q => new Measurement<long>(
            q.TryGetProperty("messages_ready", out var ready) && ready.ValueKind == JsonValueKind.Number ? ready.GetInt64() : 0,
            new KeyValuePair<string, object?>("queue", q.GetProperty("name").GetString())))];
    }
}
