using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Relay.ServiceDefaults.Telemetry;

/// <summary>
/// relay.queue.depth{queue}: the messages ready in each queue of Relay's virtual host, from the
/// broker's management API. Read only when a scrape or an export asks, at most every 15 seconds:
/// the gauge returns the last reading and starts a fresh one in the background when it is older.
/// </summary>
public sealed class QueueDepthReader
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(15);
    private readonly IOptions<RabbitMqOptions> _options;
    private readonly IHttpClientFactory _http;
    private readonly ILogger<QueueDepthReader> _logger;
    private volatile IReadOnlyList<Measurement<long>> _last = [];
    private DateTime _readAt = DateTime.MinValue;
    private int _reading;

    public QueueDepthReader(IOptions<RabbitMqOptions> options, IHttpClientFactory http, ILogger<QueueDepthReader> logger)
    {
        (_options, _http, _logger) = (options, http, logger);
        RelayMetrics.ObserveQueueDepth(Observe);
    }

    private IEnumerable<Measurement<long>> Observe()
    {
        if (DateTime.UtcNow - _readAt > MaxAge && Interlocked.Exchange(ref _reading, 1) == 0)
            _ = Task.Run(RefreshAsync);
        return _last;
    }

    /// <summary>One reading of every queue's ready count.</summary>
    public async Task RefreshAsync()
    {
        try
        {
            var broker = _options.Value;
            var client = broker.ManagementClient(_http);
            var queues = await client.GetFromJsonAsync<JsonElement>(
                $"api/queues/{Uri.EscapeDataString(broker.VirtualHost)}?columns=name,messages_ready");
            _last = [.. queues.EnumerateArray().Select(q => new Measurement<long>(
                q.TryGetProperty("messages_ready", out var ready) && ready.ValueKind == JsonValueKind.Number ? ready.GetInt64() : 0,
                new KeyValuePair<string, object?>("queue", q.GetProperty("name").GetString())))];
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            _logger.LogDebug("Queue depth not read from the management API: {Error}", e.Message);
        }
        finally
        {
            _readAt = DateTime.UtcNow;
            Volatile.Write(ref _reading, 0);
        }
    }
}
