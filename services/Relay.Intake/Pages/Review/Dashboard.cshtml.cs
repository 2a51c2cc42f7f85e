using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using RabbitMQ.Client.Exceptions;
using Relay.Intake.Operations;
using Relay.Intake.Operations.Dashboard;
using Relay.Intake.Review;
using Relay.ServiceDefaults;

namespace Relay.Intake.Pages.Review;

/// <summary>
/// The pipeline at a glance for coordinators: whether anything is stuck and where, counts by status,
/// the last day's throughput and latency, the broker's queues, failing deliveries, and the error
/// queues with a peek at their messages and a replay.
/// </summary>
public class DashboardModel(PipelineReader reader, BrokerQueues broker, ErrorQueues errors, IOptions<DashboardOptions> options) : PageModel
{
    public DateTime Now { get; private set; }
    public PipelineReadings Pipeline { get; private set; } = null!;
    public BrokerReadings Broker { get; private set; } = null!;
    public IReadOnlyList<Problem> Problems { get; private set; } = [];
    public IReadOnlyList<HourReading> Hours { get; private set; } = [];
    public IReadOnlyList<FailingDelivery> Failing { get; private set; } = [];
    public Peek? Peeked { get; private set; }
    public string ThroughputChart { get; private set; } = "";
    public string LatencyChart { get; private set; } = "";

    /// <summary>The error queue whose messages to show: only when asked, since each look redelivers them.</summary>
    [BindProperty(SupportsGet = true)] public string? Peek { get; set; }
    /// <summary>The queue to replay: the one named by its error queue (deliver-message for deliver-message_error), or relay.dead-letter.</summary>
    [BindProperty] public string? Queue { get; set; }
    [TempData] public string? Done { get; set; }
    public string? Error { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => ReadAsync(cancellationToken);

    public async Task<IActionResult> OnPostReplayAsync(CancellationToken cancellationToken)
    {
        if (Queue is not { } queue || !ErrorQueues.IsQueueName(queue))
            return await RefusedAsync(400, $"'{Queue}' is not the name of a Relay queue.", cancellationToken);
        int? moved;
        try
        {
            moved = await errors.ReplayAsync(queue, ReviewApi.Actor(User), cancellationToken);
        }
        catch (Exception e) when (e is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or System.Net.Sockets.SocketException)
        {
            return await RefusedAsync(503, $"The broker does not answer, nothing was moved: {e.Message}", cancellationToken);
        }
        if (moved is not { } count)
            return await RefusedAsync(404, $"There is no queue {queue} with an error queue {queue}{ErrorQueues.Suffix}.", cancellationToken);
        Done = queue == BrokerPolicy.DeadLetterQueue
            ? $"Moved {count} message{(count == 1 ? "" : "s")} from {queue} back to the queues they came from."
            : $"Moved {count} message{(count == 1 ? "" : "s")} from {queue}{ErrorQueues.Suffix} back to {queue}.";
        return RedirectToPage();
    }

    /// <summary>The name of the queue a replay of this error queue fills again.</summary>
    public static string ReplayTarget(QueueReading errorQueue) =>
        errorQueue.Name == BrokerPolicy.DeadLetterQueue ? errorQueue.Name : errorQueue.Name[..^ErrorQueues.Suffix.Length];

    public DashboardOptions Options => options.Value;

    private async Task<IActionResult> RefusedAsync(int status, string error, CancellationToken cancellationToken)
    {
        Error = error;
        Response.StatusCode = status;
        await ReadAsync(cancellationToken);
        return Page();
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        Now = DateTime.UtcNow;
        var reading = broker.ReadAsync(cancellationToken);
        Pipeline = await reader.ReadAsync(Now, cancellationToken);
        Hours = await reader.ThroughputAsync(Now, cancellationToken);
        Failing = await reader.FailingAsync(Now, options.Value.DeliveriesShown, cancellationToken);
        Broker = await reading;
        Problems = StuckVerdict.Decide(Now, Pipeline, Broker, options.Value);
        if (Peek is { } peek && Broker.Queues.Any(q => q.IsErrorQueue && q.Name == peek))
            Peeked = await broker.PeekAsync(peek, cancellationToken);

        var labels = Hours.Select(h => h.Start.ToString("HH:00")).ToList();
        ThroughputChart = SvgChart.Markup(new Chart("throughput", "Messages received and delivered per hour",
            $"Bars for each of the last 24 hours, until {Now:HH:mm} UTC: {Hours.Sum(h => h.Received)} received and {Hours.Sum(h => h.Delivered)} delivered in all.",
            "messages", ChartKind.Bars, labels,
            [new("received", Hours.Select(h => (double?)h.Received).ToList(), "#1b6ca8"), new("delivered", Hours.Select(h => (double?)h.Delivered).ToList(), "#66a182")]));
        var p95 = Hours.Where(h => h.P95 is not null).Select(h => h.P95!.Value.TotalMinutes).DefaultIfEmpty().Max();
        LatencyChart = SvgChart.Markup(new Chart("latency", "Minutes from received to delivered, per hour delivered",
            Hours.Any(h => h.P50 is not null)
                ? $"The median (p50) and 95th percentile (p95) of the messages delivered in each of the last 24 hours; the highest p95 was {p95:0.#} minutes."
                : "No message was delivered in the last 24 hours.",
            "minutes", ChartKind.Lines, labels,
            [new("p50", Hours.Select(h => h.P50?.TotalMinutes).ToList(), "#1b6ca8"), new("p95", Hours.Select(h => h.P95?.TotalMinutes).ToList(), "#d1495b")]));
    }
}
