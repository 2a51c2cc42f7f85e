using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using Relay.Benchmarks;
using Relay.Tests.Support;

namespace Relay.EndToEnd.Tests.ScaleOut;

/// <summary>
/// Issue 9's scale-out proof, run by deploy/local/scale-out.sh and by <see cref="ScaleOutTests"/>:
/// a three-node RabbitMQ cluster, PostgreSQL, the intake and two instances of every worker; letters
/// submitted over POST /api/messages (one sending union, one reading union, both English, so the
/// translation stage passes them through without a translator); once <see cref="StopAfter"/>
/// letters reached the SMTP sink, the node that leads most of the pipeline's quorum queues is
/// stopped. Then every letter must reach the sink exactly once, every sender summary exactly once,
/// and the database must hold each message delivered and each delivery sent. What breaks that
/// promise is collected in <see cref="ScaleOutResult.Problems"/>; the pause is measured from the
/// sink's receipts (<see cref="FailoverPause"/>).
/// </summary>
public sealed class ScaleOutRun(Action<string> log)
{
    /// <summary>The queues a letter passes through on its way to the sink.</summary>
    public static readonly string[] PipelineQueues = ["translate-message", "screen-message", "deliver-message", "sender-summary"];

    public int Messages { get; init; } = 1000;
    public int StopAfter { get; init; } = 300;
    /// <summary>How long the letters may take to arrive after the stop.</summary>
    public int SettleSeconds { get; init; } = 300;

    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];
    private double Seconds(long timestamp) => (timestamp - _start) / (double)Stopwatch.Frequency;
    private double Now => Seconds(Stopwatch.GetTimestamp());

    private void Note(string what) => log($"{Now,6:0.0} s: {what}");

    public async Task<ScaleOutResult> RunAsync()
    {
        var problems = new List<string>();
        var server = RelayProcesses.Env("RELAY_TEST_POSTGRES", "Host=127.0.0.1;Port=55432;Username=postgres");
        var database = $"relay_scaleout_{_tag}";
        using var cluster = new RabbitCluster();
        await using var sink = new BenchSmtpSink();
        Note("starting the three-node cluster (lib.sh start_rabbitmq_cluster)");
        await cluster.StartAsync();
        var relay = new ClusterRelay($"{server};Database={database}", sink.Port);
        try
        {
            var version = await cluster.VersionAsync();
            Note($"cluster up ({version}); starting the intake and two instances of each worker on PostgreSQL database {database}");
            await relay.InitializeAsync();
            var processes = Process.GetProcesses().Count(p => SafeName(p) == "dotnet") - 1;

            var sender = await relay.Api.CreateUnionAsync(relay.CoordinatorKey, $"International Miners' Coordination {_tag}", "en", $"sender-{_tag}@unions.example.org");
            var reader = await relay.Api.CreateUnionAsync(relay.CoordinatorKey, $"Miners' Union of Wales {_tag}", "en", $"reader-{_tag}@unions.example.org");
            var senderKey = sender.GetProperty("apiKey").GetString()!;
            var readerId = reader.GetProperty("id").GetGuid();

            // 1. The load: every letter submitted, eight at a time, as a client would (a 5xx or a broken connection is tried again with the same Idempotency-Key).
            var accepted = new ConcurrentDictionary<int, Guid>();
            var answers = new ConcurrentDictionary<int, int>();
            var retried = 0;
            var lastAccepted = 0L;
            var firstPost = Now;
            Note($"submitting {Messages} letters");
            var submitting = Parallel.ForEachAsync(Enumerable.Range(0, Messages), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            {
                var (title, body) = Letter(i);
                var letter = new { recipients = new[] { readerId }, title, body, language = "en" };
                for (var attempt = 0; ; attempt++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, relay.BaseUrl + "/api/messages") { Content = JsonContent.Create(letter) };
                    request.Headers.Authorization = new("Bearer", senderKey);
                    request.Headers.Add("Idempotency-Key", $"scale-out-{_tag}-{i}");
                    try
                    {
                        using var response = await relay.Http.SendAsync(request);
                        answers.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                        if (response.StatusCode == HttpStatusCode.Accepted)
                        {
                            accepted[i] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                            Interlocked.Exchange(ref lastAccepted, Stopwatch.GetTimestamp());
                            return;
                        }
                        if ((int)response.StatusCode < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                            throw new InvalidOperationException($"letter {i} was refused with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        answers.AddOrUpdate(0, 1, (_, n) => n + 1);
                    }
                    if (attempt >= 600)
                        throw new TimeoutException($"letter {i} was never accepted in 5 minutes");
                    Interlocked.Increment(ref retried);
                    await Task.Delay(500);
                }
            });

            // 2. Partway through, the node that leads the pipeline's queues is stopped.
            int Letters() => sink.Emails.Count(e => e.Letter is not null);
            await relay.WaitAsync($"{StopAfter} letters at the sink", () => Task.FromResult(Letters() >= StopAfter || submitting.IsFaulted), seconds: 300);
            if (submitting.IsFaulted)
                await submitting;
            var leaders = await cluster.LeadersAsync(relay.VirtualHost, PipelineQueues);
            var victim = leaders.Values.GroupBy(n => n).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Key == leaders["deliver-message"]).First().Key;
            var victimNumber = RabbitCluster.NodeNumber(victim);
            Note($"{Letters()} letters at the sink, {accepted.Count} accepted; stopping {victim}, which leads {string.Join(", ", leaders.Where(l => l.Value == victim).Select(l => l.Key))}");
            var (asked, closed) = await cluster.StopNodeAsync(victimNumber);
            // The moment that counts is when the node stopped taking connections: its clients lost it then.
            var stopAt = Seconds(closed);
            var lettersAtStop = sink.Emails.Count(e => e.Letter is not null && Seconds(e.AcceptedAt) <= stopAt);
            var submittedAtStop = accepted.Count;
            var stopTook = Now - Seconds(asked);
            Note($"{victim} closed its AMQP port {stopAt - Seconds(asked):0.00} s after SIGTERM, with {lettersAtStop} letters at the sink; stopped after {stopTook:0.0} s");
            if (lettersAtStop >= Messages)
                problems.Add($"every letter had reached the sink before {victim} stopped: the run proves nothing about a failover under load");

            // 3. Every letter delivered, or the time is up.
            await submitting;
            var lastPost = Seconds(Interlocked.Read(ref lastAccepted));
            Note($"all {accepted.Count} letters accepted ({retried} submissions tried again)");
            JsonElement pipeline = default;
            var settled = false;
            try
            {
                await relay.WaitAsync("every letter and summary at the sink and the pipeline settled", async () =>
                {
                    if (sink.Emails.Select(e => e.Letter).Where(l => l is not null).Distinct().Count() < Messages
                        || sink.Emails.Select(e => e.Summary).Where(s => s is not null).Distinct().Count() < Messages)
                        return false;
                    pipeline = await relay.Api.SendAsync(HttpMethod.Get, "/api/pipeline", relay.CoordinatorKey);
                    return Count(pipeline, "messages", "delivered") == Messages && Count(pipeline, "deliveries", "pending", "deferred") == 0
                        && pipeline.GetProperty("outboxWaiting").GetInt32() == 0;
                }, SettleSeconds);
                settled = true;
            }
            catch (TimeoutException e) { problems.Add($"not settled within {SettleSeconds} s of the last submission: {FirstLine(e.Message)}"); }
            catch (InvalidOperationException e) { problems.Add(FirstLine(e.Message)); }
            var settledAt = Now;
            // A repeat would come late (a redelivered message, a dispatcher's second try): wait a little for one.
            await Task.Delay(TimeSpan.FromSeconds(5));
            Note(settled ? "settled; checking" : "timed out; checking what arrived");

            // 4. The promise: each letter once, each summary once, nothing else; the database agrees.
            var emails = sink.Emails;
            var expected = accepted.Values.Select(m => (Message: m, Union: readerId)).ToHashSet();
            var letters = emails.Where(e => e.Letter is not null).GroupBy(e => e.Letter!.Value).ToDictionary(g => g.Key, g => g.Count());
            var missing = expected.Where(k => !letters.ContainsKey(k)).ToList();
            var repeated = letters.Where(l => l.Value > 1).ToList();
            var stray = letters.Keys.Where(k => !expected.Contains(k)).ToList();
            var summaries = emails.Where(e => e.Summary is not null).GroupBy(e => e.Summary!.Value).ToDictionary(g => g.Key, g => g.Count());
            var missingSummaries = accepted.Values.Where(m => !summaries.ContainsKey(m)).ToList();
            var repeatedSummaries = summaries.Where(s => s.Value > 1).ToList();
            var others = emails.Count(e => e.Letter is null && e.Summary is null);
            if (accepted.Count != Messages)
                problems.Add($"{accepted.Count} of {Messages} letters accepted");
            if (missing.Count > 0)
                problems.Add($"{missing.Count} letters never reached the sink, e.g. {string.Join(", ", missing.Take(3).Select(k => k.Message))}");
            if (repeated.Count > 0)
                problems.Add($"{repeated.Count} letters reached the sink more than once, e.g. {string.Join(", ", repeated.Take(3).Select(r => $"{r.Key.Message} ×{r.Value}"))}");
            if (stray.Count > 0)
                problems.Add($"{stray.Count} letters at the sink belong to no accepted message");
            if (missingSummaries.Count > 0)
                problems.Add($"{missingSummaries.Count} senders were never told how their message ended");
            if (repeatedSummaries.Count > 0)
                problems.Add($"{repeatedSummaries.Count} summaries reached the sink more than once, e.g. {string.Join(", ", repeatedSummaries.Take(3).Select(r => $"{r.Key} ×{r.Value}"))}");

            var rows = await PatientlyAsync(() => DatabaseAsync($"{server};Database={database}"));
            if (rows.Messages.GetValueOrDefault("delivered") != Messages || rows.Messages.Count != 1)
                problems.Add($"messages in the database: {Describe(rows.Messages)} (expected {Messages} delivered)");
            if (rows.Deliveries.GetValueOrDefault("sent") != Messages || rows.Deliveries.Count != 1)
                problems.Add($"deliveries in the database: {Describe(rows.Deliveries)} (expected {Messages} sent)");
            if (rows.RepeatedDeliveryRows > 0)
                problems.Add($"{rows.RepeatedDeliveryRows} (message, recipient) pairs have more than one delivery row");
            if (rows.OutboxWaiting > 0)
                problems.Add($"{rows.OutboxWaiting} outbox events never dispatched");
            var mayRepeat = relay.LogLines("Relay.Delivery").Count(l => l.Line.Contains("may repeat", StringComparison.Ordinal));

            var receipts = emails.Select(e => Seconds(e.AcceptedAt)).ToList();
            var pause = FailoverPause.Measure(receipts, stopAt);
            // The letters to the reading union alone: the summaries to the sender follow their own path (MessageDelivered through the outbox).
            var letterPause = FailoverPause.Measure(emails.Where(e => e.Letter is not null).Select(e => Seconds(e.AcceptedAt)).ToList(), stopAt);
            if (pause is null)
                problems.Add("no email reached the sink after the node stopped: the pipeline never resumed");
            double Rate(double from, double to) => to > from ? receipts.Count(t => t >= from && t < to) / (to - from) : 0;
            var firstEmail = receipts.DefaultIfEmpty(stopAt).Min();
            var rateBefore = Rate(Math.Max(firstEmail, stopAt - 10), stopAt);
            var rateAfter = pause is null ? 0 : Rate(stopAt + pause.ResumedAfterStop, Math.Min(stopAt + pause.ResumedAfterStop + 10, receipts.Max()));
            var leadersAfter = await SurvivorLeadersAsync(cluster, relay.VirtualHost, victimNumber);
            // What the services' buses said about the lost node (MassTransit's warnings and errors, retries aside).
            var brokerEvents = RelayProcesses.Services.ToDictionary(s => s, s => relay.LogLines(s).Count(l =>
                (l.Line.Contains(" fail: MassTransit", StringComparison.Ordinal) || l.Line.Contains(" warn: MassTransit", StringComparison.Ordinal))
                && !l.Line.Contains("R-RETRY", StringComparison.Ordinal)));

            KeepLogs(relay);
            var result = new ScaleOutResult(Messages, accepted.Count, retried, Describe(answers), processes, version, database,
                lettersAtStop, submittedAtStop, victim, leaders, leadersAfter, stopTook, pause, letterPause, rateBefore, rateAfter,
                letters.Values.Sum(), letters.Count, repeated.Sum(r => r.Value - 1), missing.Count,
                summaries.Values.Sum(), summaries.Count, repeatedSummaries.Sum(r => r.Value - 1), missingSummaries.Count, others,
                rows, mayRepeat, brokerEvents, Seconds(asked) - firstPost, stopAt - Seconds(asked), lastPost - firstPost, (receipts.DefaultIfEmpty(0).Max()) - firstPost,
                settledAt - firstPost, problems);
            Note(result.Summary());
            return result;
        }
        finally
        {
            await relay.DisposeAsync();
            await cluster.StopAsync();
            try { await PatientlyAsync(() => DropAsync(server, database)); }
            catch (NpgsqlException e) { Note($"could not drop database {database}: {e.Message}"); }
        }
    }

    /// <summary>
    /// The shared PostgreSQL server may be restarted by other work (the fault suite stops and starts
    /// it): a connection refused is tried again for a minute before the run gives up.
    /// </summary>
    private async Task<T> PatientlyAsync<T>(Func<Task<T>> query)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await query(); }
            catch (NpgsqlException e) when (e.IsTransient && attempt < 30)
            {
                Note($"PostgreSQL did not answer ({e.Message}); trying again");
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }

    private static string SafeName(Process p)
    {
        try { return p.ProcessName; } catch (InvalidOperationException) { return ""; }
    }

    /// <summary>Who leads the pipeline's queues once the stopped node's leadership has moved (asked of a survivor).</summary>
    private static async Task<Dictionary<string, string>> SurvivorLeadersAsync(RabbitCluster cluster, string vhost, int stopped)
    {
        try { return await cluster.LeadersAsync(vhost, PipelineQueues, askNode: stopped == 1 ? 2 : 1); }
        catch (HttpRequestException e) { return new() { ["(unknown)"] = e.Message }; }
    }

    /// <summary>Each process's log, kept past the run (the harness deletes its folder): $RELAY_STATE/logs/scale-out/.</summary>
    private void KeepLogs(RelayProcesses relay)
    {
        var state = RelayProcesses.Env("RELAY_STATE", Path.Combine(RelayProcesses.RepositoryRoot(), ".relay"));
        var folder = Path.Combine(state, "logs", "scale-out");
        Directory.CreateDirectory(folder);
        foreach (var old in Directory.GetFiles(folder, "*.log"))
            File.Delete(old);
        foreach (var file in Directory.GetFiles(relay.Folder, "*.log"))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
        Note($"logs of every process kept in {folder}");
    }

    private static async Task<DatabaseRows> DatabaseAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        async Task<Dictionary<string, int>> ByStatus(string table)
        {
            var counts = new Dictionary<string, int>();
            await using var command = new NpgsqlCommand($"SELECT \"Status\", count(*) FROM {table} GROUP BY \"Status\"", connection);
            await using var rows = await command.ExecuteReaderAsync();
            while (await rows.ReadAsync())
                counts[rows.GetString(0)] = (int)rows.GetInt64(1);
            return counts;
        }
        async Task<int> Scalar(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }
        return new DatabaseRows(await ByStatus("messages"), await ByStatus("deliveries"),
            await Scalar("SELECT count(*) FROM (SELECT 1 FROM deliveries GROUP BY \"MessageId\", \"RecipientUnionId\" HAVING count(*) > 1) repeated"),
            await Scalar("SELECT count(*) FROM outbox WHERE \"DispatchedAt\" IS NULL"),
            await Scalar("SELECT coalesce(max(\"Attempts\"), 0) FROM deliveries"));
    }

    private static async Task<bool> DropAsync(string server, string database)
    {
        await using var connection = new NpgsqlConnection($"{server};Database=postgres");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
        return true;
    }

    private static int Count(JsonElement pipeline, string part, params string[] statuses) =>
        statuses.Sum(s => pipeline.GetProperty(part).TryGetProperty(s, out var n) ? n.GetInt32() : 0);

    private static string FirstLine(string text) => text.Split('\n')[0];

    public static string Describe(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Value} {c.Key}"));

    private static string Describe(IDictionary<int, int> answers) =>
        string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Value}× {(a.Key == 0 ? "no answer" : a.Key.ToString(CultureInfo.InvariantCulture))}"));

    private (string Title, string Body) Letter(int i)
    {
        var seed = Seeds.Letters[i % Seeds.Letters.Count];
        var paragraph = seed.Body.Split("\n\n").First(p => p.Length > 80);
        return ($"{seed.Title} ({i + 1})",
            (paragraph.Length > 500 ? paragraph[..paragraph.LastIndexOf(' ', 500)] + "." : paragraph) + $"\n\nLetter number {i + 1} of run {_tag}.");
    }
}

/// <summary>What the database holds at the end: messages and deliveries by status, repeated delivery rows, undispatched outbox events.</summary>
public sealed record DatabaseRows(Dictionary<string, int> Messages, Dictionary<string, int> Deliveries, int RepeatedDeliveryRows, int OutboxWaiting, int MostAttempts);

/// <summary>The figures of one scale-out run and the promises it broke (none, when it held).</summary>
public sealed record ScaleOutResult(int Messages, int Accepted, int SubmissionsTriedAgain, string Answers, int DotnetProcesses, string BrokerVersion, string Database,
    int LettersAtStop, int AcceptedAtStop, string StoppedNode, Dictionary<string, string> LeadersBefore, Dictionary<string, string> LeadersAfter, double StopCommandSeconds,
    FailoverPause? Pause, FailoverPause? LetterPause, double EmailsPerSecondBefore, double EmailsPerSecondAfter,
    int LetterEmails, int DistinctLetters, int RepeatedLetters, int MissingLetters,
    int SummaryEmails, int DistinctSummaries, int RepeatedSummaries, int MissingSummaries, int OtherEmails,
    DatabaseRows Rows, int MayRepeatWarnings, Dictionary<string, int> BrokerEvents,
    double StopAfterSeconds, double PortClosedAfterSignal, double SubmittedSeconds, double LastEmailSeconds, double SettledSeconds, List<string> Problems)
{
    public bool Held => Problems.Count == 0;

    public string Summary() =>
        $"{(Held ? "HELD" : "BROKEN")}: {Accepted}/{Messages} letters accepted; {DistinctLetters} delivered ({RepeatedLetters} repeated, {MissingLetters} missing); " +
        $"{DistinctSummaries} summaries ({RepeatedSummaries} repeated, {MissingSummaries} missing); stopped {StoppedNode} after {LettersAtStop} letters; " +
        (Pause is null ? "never resumed" : $"longest gap {Pause.LongestGap:0.00} s, deliveries resumed {Pause.ResumedAfterStop:0.00} s after the stop") +
        (Held ? "" : "\n  " + string.Join("\n  ", Problems));

    /// <summary>docs/scale-out.md: the conditions, the figures and how to run it again.</summary>
    public string Report(DateTime at, string command)
    {
        var pause = Pause;
        var report = new StringBuilder();
        report.AppendLine("# Scale-out: a broker node stopped under load (issue 9)");
        report.AppendLine();
        report.AppendLine($"Written by `{command}` on {at:yyyy-MM-dd HH:mm} UTC. The promise: with a three-node RabbitMQ cluster, PostgreSQL and two instances of every worker, " +
            $"{Messages:N0} letters submitted, the node leading the pipeline's queues stopped partway: every letter delivered once, and how long the pipeline paused.");
        report.AppendLine();
        report.AppendLine($"**Result: {(Held ? "the promise held" : "the promise was broken")}.**");
        foreach (var problem in Problems)
            report.AppendLine($"- {problem}");
        report.AppendLine();
        report.AppendLine("| figure | value |");
        report.AppendLine("| --- | --- |");
        report.AppendLine($"| letters submitted / accepted (202) | {Messages} / {Accepted} (answers: {Answers}; {SubmissionsTriedAgain} tried again) |");
        report.AppendLine($"| node stopped | `{StoppedNode}`, SIGTERM (its graceful shutdown) {StopAfterSeconds:0.0} s after the first POST; its AMQP port closed {PortClosedAfterSignal:0.00} s later (**the stop**, from which the pause is counted), with {LettersAtStop} letters at the sink and {AcceptedAtStop} accepted; the node was gone {StopCommandSeconds:0.0} s after the signal |");
        report.AppendLine($"| leaders before the stop | {Leaders(LeadersBefore)} |");
        report.AppendLine($"| leaders after | {Leaders(LeadersAfter)} |");
        if (pause is not null)
        {
            report.AppendLine($"| **longest gap between consecutive emails at the sink, around and after the stop** | **{pause.LongestGap:0.00} s** (it began {pause.GapStartAfterStop:0.00} s after the stop; {pause.DrainedBeforeGap} emails arrived between the stop and the gap) |");
            report.AppendLine($"| **from the stop until deliveries resumed (the end of that gap)** | **{pause.ResumedAfterStop:0.00} s** |");
            report.AppendLine($"| longest gap before the stop, for comparison | {pause.LongestGapBefore:0.00} s |");
            if (LetterPause is { } letters)
                report.AppendLine($"| the letters to the reading union alone (without the senders' summaries): longest gap, and from the stop until they resumed | {letters.LongestGap:0.00} s (began {letters.GapStartAfterStop:0.00} s after the stop); {letters.ResumedAfterStop:0.00} s |");
        }
        else
            report.AppendLine("| pause | no email arrived after the stop |");
        report.AppendLine($"| emails a second at the sink: 10 s before the stop / 10 s after resuming | {EmailsPerSecondBefore:0.0} / {EmailsPerSecondAfter:0.0} |");
        report.AppendLine($"| letters at the sink | {LetterEmails} emails, {DistinctLetters} distinct (message, union); {RepeatedLetters} repeated, {MissingLetters} missing |");
        report.AppendLine($"| summaries to the sender at the sink | {SummaryEmails} emails, {DistinctSummaries} distinct; {RepeatedSummaries} repeated, {MissingSummaries} missing; {OtherEmails} other emails |");
        report.AppendLine($"| database: messages | {ScaleOutRun.Describe(Rows.Messages)} |");
        report.AppendLine($"| database: deliveries | {ScaleOutRun.Describe(Rows.Deliveries)}; {Rows.RepeatedDeliveryRows} repeated rows; at most {Rows.MostAttempts} attempt(s) per delivery; {Rows.OutboxWaiting} outbox events waiting |");
        report.AppendLine($"| \"may repeat\" warnings in the delivery workers' logs | {MayRepeatWarnings} |");
        report.AppendLine($"| MassTransit warnings and errors logged per service (both instances; retries aside): the lost connections | {string.Join(", ", BrokerEvents.Select(c => $"{c.Key.Replace("Relay.", "")} {c.Value}"))} |");
        report.AppendLine($"| timeline from the first POST | all accepted at {SubmittedSeconds:0.0} s; the stop at {StopAfterSeconds + PortClosedAfterSignal:0.0} s; last email at {LastEmailSeconds:0.0} s; settled (API) at {SettledSeconds:0.0} s |");
        report.AppendLine();
        report.AppendLine("## Conditions");
        report.AppendLine();
        report.AppendLine($"- {BrokerVersion}: three nodes `relay-c1..3@localhost` on loopback (AMQP 5701–5703), started by `deploy/local/lib.sh` `start_rabbitmq_cluster`, joined with `stop_app; reset; join_cluster; start_app`; quorum queues (`RabbitMq:QuorumQueues`, the default), declared after the cluster formed, so each has three members.");
        report.AppendLine($"- Every Relay process has `RabbitMq__ClusterNodes={RabbitCluster.ClusterNodes}` and connects to the first node that answers (MassTransit's cluster resolver tries them in order), so the queues' leaders start on `relay-c1` and that node is the one stopped.");
        report.AppendLine($"- PostgreSQL ({Database}, a database of the run's own on the shared server, dropped at the end); the intake and two instances each of translation, moderation, delivery and publication ({DotnetProcesses} dotnet processes besides the runner), Release build.");
        report.AppendLine("- One sending union and one reading union, both English: the translation stage passes each letter through without asking a translator. The fault suite's settings: rate limits off, the moderation rules rate, duplicate and first-message off, no per-domain limit.");
        report.AppendLine("- The SMTP sink is in the runner's process (tests/Relay.Benchmarks/BenchSmtpSink.cs): it accepts every email and keeps the moment of its 250 and its Message-ID, which names the message and the recipient union (a letter) or the message (the sender's summary).");
        report.AppendLine($"- {Environment.ProcessorCount} cores shared with RabbitMQ, PostgreSQL, the services and whatever else ran; load average {LoadAverage()} at the end.");
        report.AppendLine();
        report.AppendLine("What the runs found in Relay, fixed and not, is in [reliability.md](reliability.md) (the row \"A RabbitMQ cluster node stopped\").");
        report.AppendLine();
        report.AppendLine("## Running it again");
        report.AppendLine();
        report.AppendLine("    deploy/local/scale-out.sh                 # 1,000 letters, the node stopped after 300; writes this page");
        report.AppendLine("    deploy/local/scale-out.sh --messages 2000 --stop-after 500");
        report.AppendLine();
        report.AppendLine("It exits non-zero when the promise is broken. The same scenario runs in `deploy/local/test.sh` as " +
            "`ScaleOutTests.A_three_node_cluster_loses_its_leader_under_1000_messages_and_every_message_is_delivered_once`. Each process's log is kept in `.relay/logs/scale-out/`.");
        return report.ToString();
    }

    private static string Leaders(Dictionary<string, string> leaders) =>
        string.Join("; ", leaders.GroupBy(l => l.Value).Select(g => $"`{g.Key}`: {string.Join(", ", g.Select(l => l.Key))}"));

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
