using System.Text.Json;
using System.Xml.Linq;
using Relay.Intake.Operations.Dashboard;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Tests.Intake;

/// <summary>The dashboard's pure parts: the verdict on what is stuck, the hourly figures, the SVG charts, reading the management API's answers.</summary>
public class DashboardTests
{
    private static readonly DateTime Now = new(2026, 12, 3, 14, 30, 0, DateTimeKind.Utc);
    private static readonly DashboardOptions Options = new();

    private static PipelineReadings Pipeline(IReadOnlyList<StatusWait>? waiting = null, int outbox = 0, DateTime? oldestOutbox = null,
        Dictionary<string, int>? deliveries = null, int failedLastDay = 0) =>
        new(new Dictionary<string, int> { [MessageStatus.Delivered] = 40 }, deliveries ?? new() { [DeliveryStatus.Sent] = 80 },
            waiting ?? [], outbox, oldestOutbox, failedLastDay);

    private static BrokerReadings Broker(params QueueReading[] queues) => new(queues, null);

    private static QueueReading Queue(string name, long ready = 0, int consumers = 1, params long[] samples) => new(name, ready, 0, consumers, samples);

    [Fact]
    public void All_clear_is_nothing_stuck()
    {
        var waiting = new[]
        {
            new StatusWait(MessageStatus.Received, 3, Now.AddMinutes(-2), Now.AddMinutes(-2)),
            new StatusWait(MessageStatus.Held, 2, Now.AddHours(-20), Now.AddHours(-20)),
            // Waiting for the sender to confirm is not Relay's to move.
            new StatusWait(MessageStatus.AwaitingConfirmation, 1, Now.AddDays(-9), Now.AddDays(-9)),
        };
        var broker = Broker(Queue("deliver-message", ready: 4, consumers: 2, 4, 6, 4), Queue("deliver-message_error", consumers: 0),
            Queue(BrokerPolicy.DeadLetterQueue, consumers: 0), Queue("aliveness-test", consumers: 0), Queue("publish-message", ready: 0, consumers: 0, 0, 0, 0, 1));

        Assert.Empty(StuckVerdict.Decide(Now, Pipeline(waiting, outbox: 2, oldestOutbox: Now.AddSeconds(-5)), broker, Options));
    }

    [Fact]
    public void Each_problem_is_named_with_its_place()
    {
        var waiting = new[]
        {
            new StatusWait(MessageStatus.Received, 3, Now.AddMinutes(-42), Now.AddMinutes(-42)),
            new StatusWait(MessageStatus.Approved, 1, Now.AddMinutes(-11), Now.AddHours(-1)),
            // Retried a minute ago, received three hours ago: its age counts.
            new StatusWait(MessageStatus.AwaitingTranslation, 2, Now.AddMinutes(-1), Now.AddHours(-3)),
            new StatusWait(MessageStatus.Held, 5, Now.AddDays(-3), Now.AddDays(-3)),
            new StatusWait(MessageStatus.AwaitingRecipients, 1, Now.AddHours(-30), Now.AddHours(-30)),
        };
        var pipeline = Pipeline(waiting, outbox: 7, oldestOutbox: Now.AddMinutes(-5),
            deliveries: new() { [DeliveryStatus.Deferred] = 2, [DeliveryStatus.Sent] = 9 }, failedLastDay: 1);
        var broker = Broker(
            Queue("translate-message", ready: 9, consumers: 0),
            Queue("screen-message", ready: 30, consumers: 2, 10, 12, 12, 20, 30),
            Queue("deliver-message_error", ready: 3, consumers: 0),
            Queue("publish-message_skipped", ready: 1, consumers: 0),
            Queue(BrokerPolicy.DeadLetterQueue, ready: 2, consumers: 0));

        var problems = StuckVerdict.Decide(Now, pipeline, broker, Options);

        Assert.Equal([MessageStatus.Received, MessageStatus.Approved, MessageStatus.AwaitingTranslation, MessageStatus.Held, MessageStatus.AwaitingRecipients,
            "outbox", DeliveryStatus.Deferred, DeliveryStatus.Failed,
            "translate-message", "screen-message", "deliver-message_error", "publish-message_skipped", BrokerPolicy.DeadLetterQueue], problems.Select(p => p.Place));
        var what = problems.ToDictionary(p => p.Place, p => p.What);
        Assert.Equal("3 messages received but not translated; the oldest unchanged for 42 minutes.", what[MessageStatus.Received]);
        Assert.Equal("1 message approved but not delivered; the oldest unchanged for 11 minutes.", what[MessageStatus.Approved]);
        Assert.Contains("the oldest received 3 hours ago", what[MessageStatus.AwaitingTranslation]);
        Assert.Equal("5 messages held for review; the oldest for 3 days.", what[MessageStatus.Held]);
        Assert.Contains("7 events not yet on the broker; the oldest recorded 5 minutes ago", what["outbox"]);
        Assert.StartsWith("2 deliveries deferred", what[DeliveryStatus.Deferred]);
        Assert.StartsWith("1 delivery failed", what[DeliveryStatus.Failed]);
        Assert.Equal("No consumer, 9 messages waiting: is its worker running?", what["translate-message"]);
        Assert.StartsWith("Growing: from 10 to 30 messages", what["screen-message"]);
        Assert.Equal("3 messages a consumer of deliver-message gave up on after its retries.", what["deliver-message_error"]);
        Assert.Contains("no consumer of publish-message recognised", what["publish-message_skipped"]);
        Assert.StartsWith("2 messages dead-lettered", what[BrokerPolicy.DeadLetterQueue]);
    }

    [Fact]
    public void Just_under_a_threshold_is_not_stuck_and_just_over_is()
    {
        StatusWait Received(TimeSpan age) => new(MessageStatus.Received, 1, Now - age, Now - age);
        DateTime Outbox(TimeSpan age) => Now - age;
        var under = StuckVerdict.Decide(Now, Pipeline([Received(Options.StuckAfter - TimeSpan.FromSeconds(1))], 1, Outbox(Options.OutboxAfter - TimeSpan.FromSeconds(1))), Broker(), Options);
        var over = StuckVerdict.Decide(Now, Pipeline([Received(Options.StuckAfter + TimeSpan.FromSeconds(1))], 1, Outbox(Options.OutboxAfter + TimeSpan.FromSeconds(1))), Broker(), Options);

        Assert.Empty(under);
        Assert.Equal([MessageStatus.Received, "outbox"], over.Select(p => p.Place));
    }

    [Fact]
    public void A_broker_that_does_not_answer_is_a_problem_and_the_database_is_still_judged()
    {
        var problems = StuckVerdict.Decide(Now, Pipeline(failedLastDay: 2), BrokerReadings.NotAnswering("no answer within 3 s"), Options);

        Assert.Equal([DeliveryStatus.Failed, "broker"], problems.Select(p => p.Place));
        Assert.Contains("no answer within 3 s", problems[1].What);
    }

    [Theory]
    [InlineData(new long[] { 1, 2, 3 }, true)]
    [InlineData(new long[] { 5, 5, 6, 9 }, true)]
    [InlineData(new long[] { 5, 5, 5 }, false)]
    [InlineData(new long[] { 1, 3, 2, 4 }, false)]
    [InlineData(new long[] { 1, 9 }, false)]
    [InlineData(new long[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, false)]
    [InlineData(new long[] { 0, 0, 0, 0, 0, 2, 3, 5, 8, 9, 12 }, true)]
    [InlineData(new long[0], false)]
    public void A_queue_grows_when_its_depth_only_rose(long[] samples, bool growing) =>
        Assert.Equal(growing, StuckVerdict.IsGrowing(samples));

    [Fact]
    public void The_hours_count_what_was_received_and_delivered_in_each_with_the_latency_percentiles()
    {
        var since = Throughput.Since(Now);
        var times = new List<MessageTimes>
        {
            new(since.AddDays(-1), since.AddMinutes(5)), // received before the window, delivered in its first hour
            new(since.AddMinutes(-1), null),              // before the window: not counted
            new(Now.AddMinutes(-20), null),               // received this hour, not yet delivered
        };
        // Twenty messages delivered in the hour before this one, 1 to 20 minutes after their receipt.
        var hourBefore = since.AddHours(22);
        times.AddRange(Enumerable.Range(1, 20).Select(i => new MessageTimes(hourBefore.AddMinutes(30 - i), hourBefore.AddMinutes(30))));

        var hours = Throughput.ByHour(Now, times);

        Assert.Equal(24, hours.Count);
        Assert.Equal(new DateTime(2026, 12, 2, 15, 0, 0, DateTimeKind.Utc), hours[0].Start);
        Assert.Equal(new DateTime(2026, 12, 3, 14, 0, 0, DateTimeKind.Utc), hours[^1].Start);
        Assert.Equal((0, 1), (hours[0].Received, hours[0].Delivered));
        Assert.Equal((20, 20), (hours[22].Received, hours[22].Delivered));
        Assert.Equal(TimeSpan.FromMinutes(10), hours[22].P50);
        Assert.Equal(TimeSpan.FromMinutes(19), hours[22].P95);
        Assert.Equal((1, 0, null), (hours[23].Received, hours[23].Delivered, hours[23].P50));
        Assert.Equal(21, hours.Sum(h => h.Received));
    }

    [Fact]
    public void A_percentile_of_nothing_is_none_and_of_one_is_that_one()
    {
        Assert.Null(Throughput.Percentile([], 0.5));
        Assert.Equal(TimeSpan.FromSeconds(7), Throughput.Percentile([TimeSpan.FromSeconds(7)], 0.95));
    }

    private static Chart Chart(ChartKind kind, IReadOnlyList<ChartSeries> series, string title = "Messages per hour") =>
        new("c1", title, "Bars per hour", "messages", kind, Enumerable.Range(0, 24).Select(h => $"{h:00}:00").ToList(), series);

    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void A_chart_is_well_formed_svg_with_its_title_and_description_referenced_and_its_text_escaped()
    {
        var markup = SvgChart.Markup(Chart(ChartKind.Bars,
            [new("received <b>&\"x\"", Enumerable.Range(0, 24).Select(h => (double?)h).ToList(), "#1b6ca8"), new("delivered", Enumerable.Repeat<double?>(2, 24).ToList(), "#66a182")],
            title: "Hours </title><script>alert(1)</script>\u0001"));

        var svg = XElement.Parse(markup);
        Assert.Equal(Svg + "svg", svg.Name);
        Assert.Equal("img", (string?)svg.Attribute("role"));
        Assert.Equal("c1-title c1-desc", (string?)svg.Attribute("aria-labelledby"));
        Assert.Equal("Hours </title><script>alert(1)</script>", svg.Element(Svg + "title")!.Value);
        Assert.Equal("c1-title", (string?)svg.Element(Svg + "title")!.Attribute("id"));
        Assert.Equal("Bars per hour", svg.Element(Svg + "desc")!.Value);
        Assert.DoesNotContain("<script>", markup);
        Assert.DoesNotContain("<b>", markup);
        // Hour 0 received nothing (no bar); the other 23, and every delivered hour, have one with its value as a title.
        var bars = svg.Elements(Svg + "rect").Where(r => r.Element(Svg + "title") is not null).ToList();
        Assert.Equal(23 + 24, bars.Count);
        Assert.Contains(bars, b => b.Element(Svg + "title")!.Value == "05:00 received <b>&\"x\": 5");
        Assert.All(bars, b => Assert.True(double.Parse((string)b.Attribute("height")!, System.Globalization.CultureInfo.InvariantCulture) > 0));
    }

    [Fact]
    public void A_chart_without_data_says_so_and_lines_break_where_a_value_is_missing()
    {
        var empty = XElement.Parse(SvgChart.Markup(Chart(ChartKind.Lines, [new("p50", Enumerable.Repeat<double?>(null, 24).ToList(), "#000")])));
        var nothing = XElement.Parse(SvgChart.Markup(Chart(ChartKind.Bars, [])));
        var values = Enumerable.Repeat<double?>(null, 24).ToList();
        (values[1], values[2], values[3], values[10], values[11]) = (1, 2, 3, 4.5, 5);
        var gaps = XElement.Parse(SvgChart.Markup(Chart(ChartKind.Lines, [new("p95", values, "#d1495b")])));

        Assert.Contains(empty.Elements(Svg + "text"), t => t.Value == "No data in this period");
        Assert.Empty(empty.Elements(Svg + "polyline"));
        Assert.Contains(nothing.Elements(Svg + "text"), t => t.Value == "No data in this period");
        Assert.Equal([3, 2], gaps.Elements(Svg + "polyline").Select(p => ((string)p.Attribute("points")!).Split(' ').Length));
        Assert.Equal(5, gaps.Elements(Svg + "circle").Count());
        Assert.DoesNotContain(gaps.Elements(Svg + "text"), t => t.Value == "No data in this period");
    }

    [Fact]
    public void The_axis_tops_at_a_round_number() =>
        Assert.Equal([1, 1, 2, 5, 10, 50, 1], new[] { 0, 0.7, 1.5, 3, 7, 41, double.NaN }.Select(SvgChart.Nice));

    [Fact]
    public void A_peeked_message_shows_its_type_id_and_fault_from_the_management_apis_answer()
    {
        var answer = JsonDocument.Parse("""
            [{"payload_encoding":"string","payload":"{\"messageId\":\"0b1c0000-aaaa-bbbb-cccc-000000000001\",\"messageType\":[\"urn:message:Relay.Contracts:MessageApproved\"],\"message\":{}}",
              "properties":{"message_id":"other","headers":{"MT-Fault-Message":"Message is not in the database.","MT-Fault-ExceptionType":"System.InvalidOperationException","MT-Fault-Timestamp":"2026-12-03T14:00:00Z","x-delivery-count":2}}},
             {"payload_encoding":"base64","payload":"AAEC","properties":{"message_id":"raw-1","headers":{"x-death":[{"queue":"deliver-message","count":10}]}}},
             {"payload_encoding":"string","payload":"not json","properties":{}}]
            """).RootElement;

        var peeked = answer.EnumerateArray().Select(Relay.Intake.Operations.Dashboard.BrokerQueues.Peeked).ToList();

        Assert.Equal(new PeekedMessage("Relay.Contracts:MessageApproved", "0b1c0000-aaaa-bbbb-cccc-000000000001", "System.InvalidOperationException",
            "Message is not in the database.", "2026-12-03T14:00:00Z", null, 2), peeked[0]);
        Assert.Equal(new PeekedMessage(null, "raw-1", null, null, null, "deliver-message", null), peeked[1]);
        Assert.Equal(new PeekedMessage(null, null, null, null, null, null, null), peeked[2]);
    }

    [Fact]
    public void The_queues_leave_out_temporary_ones_and_read_their_depth_samples_oldest_first()
    {
        var answer = JsonDocument.Parse("""
            [{"name":"screen-message","auto_delete":false,"exclusive":false,"messages_ready":5,"messages_unacknowledged":2,"consumers":1,
              "messages_details":{"rate":0.5,"samples":[{"sample":7,"timestamp":3},{"sample":4,"timestamp":2},{"sample":1,"timestamp":1}]}},
             {"name":"host_Relay_bus_x","auto_delete":true,"consumers":1},
             {"name":"deliver-message_error","messages_ready":3}]
            """).RootElement;

        var queues = Relay.Intake.Operations.Dashboard.BrokerQueues.Queues(answer);

        Assert.Equal(["deliver-message_error", "screen-message"], queues.Select(q => q.Name));
        Assert.Equal((3L, 0L, 0, true), (queues[0].Ready, queues[0].Unacknowledged, queues[0].Consumers, queues[0].IsErrorQueue));
        Assert.Equal([1L, 4, 7], queues[1].DepthSamples);
        Assert.Equal(7, queues[1].Messages);
    }
}
