using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Relay.EndToEnd.Tests;
using Relay.ServiceDefaults;
using Relay.Translation;

namespace Relay.Benchmarks;

/// <summary>
/// The whole pipeline, end to end: every service its own process (the end-to-end tests' harness,
/// the built Release dlls, a RabbitMQ virtual host and a SQLite database of the run's own), letters
/// submitted over POST /api/messages and timed to the 250 an SMTP sink inside this process gives
/// each email. Measures (issue 8): latency at a fixed offered load (open loop) with the real
/// Apertium APY and with a translator that does nothing, beside APY's own time for the same letter;
/// the pipeline's maximum rate with one and with two instances of each worker; one letter to 200
/// unions in 8 languages; and each process's peak memory under the offered load.
/// </summary>
public static class PipelineBenchmark
{
    /// <summary>The fault suite's settings that lift the limits meant for the public internet and the moderation holds on a busy union.</summary>
    private sealed class BenchRelay(string apertiumUrl, int smtpPort) : RelayProcesses
    {
        protected override IEnumerable<(string Name, string Value)> Settings(string service) =>
        [
            .. RelayProcesses.UnderLoad,
            ("Apertium__Url", apertiumUrl),
            ("Smtp__Host", "127.0.0.1"),
            ("Smtp__Port", smtpPort.ToString(CultureInfo.InvariantCulture)),
        ];
    }

    private sealed record Union(Guid Id, string Key, string Email, string Language);

    /// <summary>One measured run of letters: what was submitted, what the sink saw, what the API says.</summary>
    private sealed record Phase(string Name, int Messages, int Recipients, double[] LatenciesMs, double[] IntakeMs, double[] TranslatedMs, double[] DeliveredMs, double Seconds,
        int Letters, int Summaries, int Stray, int Connections, int ConnectionsUsed, int Translations, int ProviderRequests, List<string> Problems)
    {
        /// <summary>Each hop's times (PipelineHops), for the runs where a letter's path is looked into.</summary>
        public Dictionary<string, List<double>> Hops { get; init; } = [];

        public double Rate => Messages / Seconds;
        public double EmailRate => Letters / Seconds;
    }

    private sealed record Memory(string Process, int Pid, long PeakKb, long RssKb);

    /// <summary>The CPU time (user and system) each process spent on a burst, over its letters: where the pipeline's cost goes.</summary>
    private sealed record CpuShare(string Burst, int Letters, double Rate, Dictionary<string, double> MsPerLetter);

    /// <summary>Letters sent one at a time, each after the last one's emails, with each translator: the latency without load.</summary>
    private const int Singles = 5;

    /// <summary>The letters of the burst that warms up a fresh set of processes before anything is measured.</summary>
    private static int WarmUpBurst(int burst) => Math.Clamp(burst / 2, 40, 200);

    /// <summary>The languages of the fan-out (besides the sender's English) and of the no-op translator's pairs.</summary>
    private static readonly string[] FanOutLanguages = ["es", "fr", "pt", "ca", "de", "it", "ru", "uk"];

    public static async Task<int> RunAsync(int seconds, int[] rates, int burst, int fanOut, int languages, int fanOutRounds,
        string apertiumUrl, string managementUrl, string output)
    {
        Environment.SetEnvironmentVariable("RELAY_TEST_RABBITMQ_MANAGEMENT", managementUrl);
        if (Environment.GetEnvironmentVariable("RabbitMq__Password") is not { Length: > 0 })
            throw new InvalidOperationException("RabbitMq__Password is not set: run deploy/local/bench.sh pipeline, which sets it.");
        languages = Math.Clamp(languages, 1, FanOutLanguages.Length);
        var started = Stopwatch.StartNew();
        var loadBefore = LoadAverage();
        var letter = Letter();
        Console.WriteLine($"pipeline benchmark: one letter of {letter.Title.Length} + {letter.Body.Length} characters (en→es), {seconds} s at each of {string.Join(", ", rates)} letters a second, burst {burst}");

        await using var sink = new BenchSmtpSink();
        await using var noop = await NoopApertium.StartAsync(FanOutLanguages.Append("en").Select(l => LanguageTags.ToAlpha3(l)!));
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) }) { Timeout = TimeSpan.FromSeconds(60) };
        var versions = await VersionsAsync(apertiumUrl, managementUrl);

        // APY's own time for the same letter: the same requests as Relay's (title, then the body in
        // pieces of at most 1,000 characters on sentence boundaries), one letter at a time, idle.
        using var apy = new HttpClient { BaseAddress = new Uri(apertiumUrl), Timeout = TimeSpan.FromSeconds(60) };
        await ApyDirectAsync(apy, letter, "warm", 3);
        var apyIdle = await ApyDirectAsync(apy, letter, "direct", 20);
        Console.WriteLine($"APY itself, one letter at a time: p50 {Stats.Percentile(apyIdle, 0.5):F0} ms");

        var phases = new List<Phase>();
        var memory = new Dictionary<string, List<Memory>>();
        var apyUnderLoad = new List<double>();
        var cpu = new List<CpuShare>();

        // 1. Relay with the real APY, at each offered load.
        await using (var relay = new BenchRelay(apertiumUrl, sink.Port))
        {
            await StartAsync(relay, "real APY");
            var (sender, readers) = await UnionsAsync(relay, http, "a", ["es"]);
            // A process that runs for days is measured, not one still compiling: a burst first, then three letters to settle
            // (without it, .NET's tiered compiler took a third of the CPU of the first measured burst, profiled with perf).
            await RunLettersAsync(relay, http, sink, noop, "warm-up burst (APY)", letter, sender, readers, count: WarmUpBurst(burst) / 2, rate: 0);
            await RunLettersAsync(relay, http, sink, noop, "warm-up (APY)", letter, sender, readers, count: 3, rate: 1);
            for (var round = 1; round <= Singles; round++)
                phases.Add((await RunLettersAsync(relay, http, sink, noop, "APY, one at a time", letter, sender, readers, count: 1, rate: 1)).Phase);
            foreach (var rate in rates)
            {
                var (phase, direct) = await RunLettersAsync(relay, http, sink, noop, $"APY, {rate}/s", letter, sender, readers, count: rate * seconds, rate: rate,
                    alongside: () => ApyDirectAsync(apy, letter, $"load{rate}", 10));
                phases.Add(phase);
                apyUnderLoad.AddRange(direct);
            }
            memory["real APY"] = ProcessMemory();
            // A burst with APY too, for the CPU each process spends on a letter when APY does the translating.
            phases.Add(await MeasureCpuAsync(cpu, "APY, 1 instance each", () => RunLettersAsync(relay, http, sink, noop, "APY burst, 1 instance each", letter, sender, readers,
                count: Math.Max(20, burst / 4), rate: 0)));
            KeepLogs(relay, "apy");
        }
        Console.WriteLine($"{started.Elapsed.TotalSeconds:F0} s: real APY done");

        // 2. The same with the translator that does nothing; then the burst, the fan-out, and the burst again with two of each worker.
        await using (var relay = new BenchRelay(noop.Url, sink.Port))
        {
            await StartAsync(relay, "no-op translator");
            var (sender, readers) = await UnionsAsync(relay, http, "n", ["es"]);
            await RunLettersAsync(relay, http, sink, noop, "warm-up burst (no-op)", letter, sender, readers, count: WarmUpBurst(burst), rate: 0);
            await RunLettersAsync(relay, http, sink, noop, "warm-up (no-op)", letter, sender, readers, count: 3, rate: 1);
            for (var round = 1; round <= Singles; round++)
                phases.Add((await RunLettersAsync(relay, http, sink, noop, "no-op, one at a time", letter, sender, readers, count: 1, rate: 1)).Phase);
            foreach (var rate in rates)
                phases.Add((await RunLettersAsync(relay, http, sink, noop, $"no-op, {rate}/s", letter, sender, readers, count: rate * seconds, rate: rate)).Phase);
            memory["no-op translator"] = ProcessMemory();

            phases.Add(await MeasureCpuAsync(cpu, "1 instance each", () => RunLettersAsync(relay, http, sink, noop, "burst, 1 instance each", letter, sender, readers, count: burst, rate: 0)));

            for (var round = 1; round <= fanOutRounds; round++)
                phases.Add((await RunLettersAsync(relay, http, sink, noop, "1 recipient × 1 language", letter, sender, readers, count: 1, rate: 1)).Phase);
            var many = await ManyReadersAsync(relay, fanOut, FanOutLanguages.Take(languages).ToArray());
            for (var round = 1; round <= fanOutRounds; round++)
                phases.Add((await RunLettersAsync(relay, http, sink, noop, $"{fanOut} recipients × {languages} languages", letter, sender, many, count: 1, rate: 1)).Phase);

            foreach (var service in RelayProcesses.Services.Skip(1))
                relay.Start(service);
            await relay.WaitAsync("two consumers on every worker queue", async () => (await relay.ConsumersAsync()).Values.All(n => n >= 2));
            await RunLettersAsync(relay, http, sink, noop, "warm-up (2 instances)", letter, sender, readers, count: WarmUpBurst(burst), rate: 0);
            phases.Add(await MeasureCpuAsync(cpu, "2 instances each", () => RunLettersAsync(relay, http, sink, noop, "burst, 2 instances each", letter, sender, readers, count: burst, rate: 0)));
            KeepLogs(relay, "no-op");
        }
        var elapsed = started.Elapsed;
        Console.WriteLine($"{elapsed.TotalSeconds:F0} s: done");

        var load = $"load average (1, 5, 15 min) {loadBefore} at the start, {LoadAverage()} at the end";
        var report = Report(phases, memory, cpu, apyIdle, apyUnderLoad, letter, seconds, rates, burst, fanOut, languages, fanOutRounds, versions, load, elapsed);
        Console.WriteLine(report);
        if (output.Length > 0)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            var latencyChart = Path.ChangeExtension(output, ".svg");
            var scaleChart = Path.Combine(Path.GetDirectoryName(output) ?? ".", Path.GetFileNameWithoutExtension(output) + "-scale.svg");
            await File.WriteAllTextAsync(latencyChart, LatencyChart(phases, rates));
            await File.WriteAllTextAsync(scaleChart, ScaleChart(phases, burst));
            await File.WriteAllTextAsync(output, report
                + $"\n\n![End-to-end latency against offered load]({Path.GetFileName(latencyChart)})\n"
                + $"\n![Burst throughput with one and two instances of each worker]({Path.GetFileName(scaleChart)})\n");
        }
        return phases.All(p => p.Problems.Count == 0) ? 0 : 1;
    }

    /// <summary>Keeps the services' logs (the harness deletes its folder) under the temporary folder, for a look afterwards.</summary>
    private static void KeepLogs(BenchRelay relay, string what)
    {
        var into = Path.Combine(Path.GetTempPath(), "relay-pipeline-logs", what);
        Directory.CreateDirectory(into);
        foreach (var log in Directory.GetFiles(relay.Folder, "*.log"))
            File.Copy(log, Path.Combine(into, Path.GetFileName(log)), overwrite: true);
        Console.WriteLine($"the services' logs: {into}");
    }

    private static async Task StartAsync(BenchRelay relay, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        await relay.InitializeAsync();
        Console.WriteLine($"relay with the {what} started in {stopwatch.Elapsed.TotalSeconds:F1} s ({relay.Folder})");
    }

    // --- the letter and the unions -----------------------------------------------------------

    /// <summary>A seed letter whose body fits one APY request (so numbering it keeps every request out of Relay's translation cache).</summary>
    private static TranslationBenchmark.Letter Letter() =>
        TranslationBenchmark.Letters().Where(l => l.Body.Length is >= 500 and <= 950 && l.Title.Length <= 120).OrderBy(l => l.Body.Length).Skip(0).First();

    /// <summary>The letter made unique (a number in the title and body), so the translation cache never answers.</summary>
    private static (string Title, string Body) Numbered(TranslationBenchmark.Letter letter, string tag, int i) =>
        ($"{letter.Title} ({tag}-{i})", $"Letter {tag}-{i}.\n\n{letter.Body}");

    private static async Task<(Union Sender, List<Union> Readers)> UnionsAsync(RelayProcesses relay, HttpClient http, string tag, string[] languages)
    {
        var sender = await CreateUnionAsync(relay, $"Sender {tag}", "en", $"sender-{tag}@unions.example.org");
        var readers = new List<Union>();
        foreach (var (language, i) in languages.Select((l, i) => (l, i)))
            readers.Add(await CreateUnionAsync(relay, $"Reader {tag}{i} ({language})", language, $"reader-{tag}{i}@unions.example.org"));
        return (sender, readers);
    }

    /// <summary>Unions spread evenly over the languages.</summary>
    private static async Task<List<Union>> ManyReadersAsync(RelayProcesses relay, int count, string[] languages)
    {
        var unions = new Union[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            var language = languages[i % languages.Length];
            unions[i] = await CreateUnionAsync(relay, $"Fan-out union {i} ({language})", language, $"fan{i}-{language}@unions.example.org");
        });
        return unions.ToList();
    }

    private static async Task<Union> CreateUnionAsync(RelayProcesses relay, string name, string language, string email)
    {
        var union = await relay.Api.CreateUnionAsync(relay.CoordinatorKey, name, language, email);
        return new Union(union.GetProperty("id").GetGuid(), union.GetProperty("apiKey").GetString()!, email, language);
    }

    // --- one run of letters ---------------------------------------------------------------------

    /// <summary>
    /// Submits <paramref name="count"/> letters from the sender to every reader: open loop at
    /// <paramref name="rate"/> a second (each letter's POST goes out at its due time, whatever
    /// the earlier ones are doing), or all at once from 16 clients when the rate is 0. Waits for
    /// every email and every message to be delivered, then checks the outcome.
    /// </summary>
    private static async Task<(Phase Phase, double[] Direct)> RunLettersAsync(RelayProcesses relay, HttpClient http, BenchSmtpSink sink, NoopApertium noop,
        string name, TranslationBenchmark.Letter letter, Union sender, IReadOnlyList<Union> readers, int count, double rate,
        Func<Task<double[]>>? alongside = null)
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var emailsBefore = sink.Emails.Count;
        var connectionsBefore = sink.Connections;
        var providerBefore = noop.Translations;
        var due = new long[count];
        var accepted = new long[count];
        var ids = new Guid[count];
        var recipients = readers.Select(r => r.Id.ToString()).ToArray();

        async Task Submit(int i)
        {
            var (title, body) = Numbered(letter, tag, i);
            using var request = new HttpRequestMessage(HttpMethod.Post, relay.BaseUrl + "/api/messages")
            {
                Content = JsonContent.Create(new { recipients, title, body, language = "en", author = "Benchmark", publish = false }),
            };
            request.Headers.Authorization = new("Bearer", sender.Key);
            using var response = await http.SendAsync(request);
            accepted[i] = Stopwatch.GetTimestamp();
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Accepted)
                throw new InvalidOperationException($"{name}: letter {i} answered {(int)response.StatusCode}: {text}");
            ids[i] = JsonSerializer.Deserialize<JsonElement>(text).GetProperty("id").GetGuid();
        }

        var start = Stopwatch.GetTimestamp();
        var direct = alongside is null ? Task.FromResult(Array.Empty<double>()) : alongside();
        if (rate > 0)
        {
            var submissions = new List<Task>(count);
            for (var i = 0; i < count; i++)
            {
                due[i] = start + (long)(i * Stopwatch.Frequency / rate);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due[i]);
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait);
                var n = i;
                submissions.Add(Task.Run(() => Submit(n)));
            }
            await Task.WhenAll(submissions);
        }
        else
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            {
                due[i] = Stopwatch.GetTimestamp();
                await Submit(i);
            });
        var directMs = await direct;

        // Every letter's emails (one per reader), then every message delivered, then the senders' summaries.
        var expected = count * readers.Count;
        var wanted = ids.ToHashSet();
        IEnumerable<BenchSmtpSink.Email> Mine() => sink.Emails.Skip(emailsBefore);
        var problems = new List<string>();
        var deadline = Stopwatch.StartNew();
        while (Mine().Count(e => e.Letter is { } l && wanted.Contains(l.Message)) < expected)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(300))
            {
                problems.Add($"only {Mine().Count(e => e.Letter is { } l && wanted.Contains(l.Message))} of {expected} emails within 300 s");
                break;
            }
            await Task.Delay(100);
        }
        var statuses = await StatusesAsync(relay, http, ids, problems);
        var summaryWait = Stopwatch.StartNew();
        while (Mine().Count(e => e.Summary is { } s && wanted.Contains(s)) < count && summaryWait.Elapsed < TimeSpan.FromSeconds(20))
            await Task.Delay(100);
        await Task.Delay(500); // anything repeated or stray arrives now, not in the next run
        var emails = Mine().ToList();
        var connections = sink.Connections - connectionsBefore;

        // Exactly one email per (message, reader), to the reader's address; nothing else but one summary per message.
        var letters = emails.Where(e => e.Letter is { } l && wanted.Contains(l.Message)).ToList();
        var readerById = readers.ToDictionary(r => r.Id);
        foreach (var group in letters.GroupBy(e => e.Letter!.Value))
        {
            if (group.Count() > 1)
                problems.Add($"{group.Count()} emails for message {group.Key.Message} to union {group.Key.Union}");
            if (!readerById.TryGetValue(group.Key.Union, out var reader))
                problems.Add($"an email for message {group.Key.Message} to union {group.Key.Union}, not one of its recipients");
            else if (group.Any(e => e.Recipients.Count != 1 || !string.Equals(e.Recipients[0], reader.Email, StringComparison.OrdinalIgnoreCase)))
                problems.Add($"an email for message {group.Key.Message} went to {string.Join(", ", group.SelectMany(e => e.Recipients))}, not {reader.Email}");
        }
        var summaries = emails.Where(e => e.Summary is { } s && wanted.Contains(s)).ToList();
        foreach (var group in summaries.GroupBy(e => e.Summary!.Value).Where(g => g.Count() > 1))
            problems.Add($"{group.Count()} summaries for message {group.Key}");
        if (summaries.Select(e => e.Summary).Distinct().Count() != count)
            problems.Add($"{summaries.Select(e => e.Summary).Distinct().Count()} of {count} senders' summaries");
        var stray = emails.Count - letters.Count - summaries.Count;
        if (stray > 0)
            problems.Add($"{stray} emails neither a letter nor a summary of this run");
        var translations = 0;
        foreach (var (id, status) in statuses)
        {
            var deliveries = status.GetProperty("deliveries").EnumerateArray().ToList();
            if (deliveries.Count != readers.Count || deliveries.Any(d => d.GetProperty("status").GetString() != "sent"))
                problems.Add($"message {id}: {deliveries.Count(d => d.GetProperty("status").GetString() == "sent")} of {readers.Count} deliveries sent");
            var made = status.GetProperty("translations").EnumerateArray().Count();
            translations += made;
            var languagesWanted = readers.Select(r => r.Language).Where(l => l != "en").Distinct().Count();
            if (made != languagesWanted)
                problems.Add($"message {id}: {made} translations for {languagesWanted} languages");
        }

        // Latency: from the letter's due time (open loop) to the 250 of its last email.
        var last = letters.GroupBy(e => e.Letter!.Value.Message).ToDictionary(g => g.Key, g => g.Max(e => e.AcceptedAt));
        var latencies = ids.Select((id, i) => last.TryGetValue(id, out var at) ? Stopwatch.GetElapsedTime(due[i], at).TotalMilliseconds : double.NaN)
            .Where(v => !double.IsNaN(v)).ToArray();
        var intake = accepted.Select((a, i) => Stopwatch.GetElapsedTime(due[i], a).TotalMilliseconds).ToArray();
        var seconds = last.Count > 0 ? Stopwatch.GetElapsedTime(start, last.Values.Max()).TotalSeconds : double.NaN;
        // Where the time went, by the times Relay stored (UTC, each process's clock): received → last translation → last delivery.
        var translatedMs = new List<double>();
        var deliveredMs = new List<double>();
        foreach (var (_, status) in statuses)
        {
            var received = status.GetProperty("receivedAt").GetDateTime();
            var translated = status.GetProperty("translations").EnumerateArray().Select(t => t.GetProperty("at").GetDateTime()).DefaultIfEmpty(received).Max();
            var delivered = status.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("at").GetDateTime()).DefaultIfEmpty(translated).Max();
            translatedMs.Add((translated - received).TotalMilliseconds);
            deliveredMs.Add((delivered - translated).TotalMilliseconds);
        }
        var phase = new Phase(name, count, readers.Count, latencies, intake, translatedMs.ToArray(), deliveredMs.ToArray(), seconds, letters.Count, summaries.Count, stray, connections,
            letters.Select(e => e.Connection).Distinct().Count(), translations, noop.Translations - providerBefore, problems)
        {
            Hops = readers.Count == 1 ? PipelineHops.Read(Path.Combine(relay.Folder, "relay.db"), ids) : [],
        };
        if (name.StartsWith("warm-up", StringComparison.Ordinal) && statuses.Count > 0)
        {
            // Where the first letter's time went, by the times Relay stored (UTC, each process's clock).
            var first = statuses[0].Status;
            DateTime At(JsonElement e) => e.GetProperty("at").GetDateTime();
            var received = first.GetProperty("receivedAt").GetDateTime();
            var translated = first.GetProperty("translations").EnumerateArray().Select(At).DefaultIfEmpty(received).Max();
            var delivered = first.GetProperty("deliveries").EnumerateArray().Select(At).DefaultIfEmpty(received).Max();
            Console.WriteLine($"{name}, first letter: translated {(translated - received).TotalMilliseconds:F0} ms after it was received, delivered {(delivered - translated).TotalMilliseconds:F0} ms after that");
        }
        Console.WriteLine($"{name}: {count} letters × {readers.Count}, p50 {Pct(latencies, 0.5):F0} ms, p99 {Pct(latencies, 0.99):F0} ms, "
            + $"{phase.Rate:F1} letters/s, {letters.Count} emails over {phase.ConnectionsUsed} connections ({connections} new), {translations} translations"
            + (problems.Count == 0 ? ", all correct" : $", PROBLEMS: {string.Join("; ", problems.Take(5))}"));
        if (phase.Hops.Count > 0 && phase.Hops.Values.First().Count > 0)
            Console.WriteLine($"{name}, hops (median ms): " + string.Join("; ", phase.Hops.Select(h => $"{h.Key} {Stats.Median(h.Value):F1}")));
        return (phase, directMs);
    }

    /// <summary>Every message's status as a coordinator sees it, once it is delivered (or after 120 s, as it is then).</summary>
    private static async Task<List<(Guid Id, JsonElement Status)>> StatusesAsync(RelayProcesses relay, HttpClient http, Guid[] ids, List<string> problems)
    {
        var key = relay.CoordinatorKey;
        var results = new (Guid, JsonElement)[ids.Length];
        var late = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Length), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            var waited = Stopwatch.StartNew();
            while (true)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"{relay.BaseUrl}/api/messages/{ids[i]}");
                request.Headers.Authorization = new("Bearer", key);
                using var response = await http.SendAsync(request);
                response.EnsureSuccessStatusCode();
                var status = await response.Content.ReadFromJsonAsync<JsonElement>();
                results[i] = (ids[i], status);
                if (status.GetProperty("status").GetString() == "delivered")
                    return;
                if (waited.Elapsed > TimeSpan.FromSeconds(120))
                {
                    Interlocked.Increment(ref late);
                    return;
                }
                await Task.Delay(200);
            }
        });
        if (late > 0)
            problems.Add($"{late} messages not delivered within 120 s of their emails (e.g. {results.First(r => r.Item2.GetProperty("status").GetString() != "delivered").Item2.GetProperty("status")})");
        return results.ToList();
    }

    // --- APY directly -------------------------------------------------------------------------

    /// <summary>Milliseconds APY takes for each of <paramref name="count"/> numbered letters, sent one at a time as Relay sends them (eng|spa).</summary>
    private static async Task<double[]> ApyDirectAsync(HttpClient apy, TranslationBenchmark.Letter letter, string tag, int count)
    {
        var times = new double[count];
        for (var i = 0; i < count; i++)
        {
            var (title, body) = Numbered(letter, $"{tag}-{Guid.NewGuid():N}"[..12], i);
            var stopwatch = Stopwatch.StartNew();
            foreach (var text in new[] { title, body })
                foreach (var chunk in TextChunks.Split(text, 1000).Where(c => c.Core.Length > 0))
                {
                    using var form = new FormUrlEncodedContent([new("langpair", "eng|spa"), new("q", chunk.Core), new("markUnknown", "no")]);
                    using var response = await apy.PostAsync("translate", form);
                    response.EnsureSuccessStatusCode();
                    await response.Content.ReadAsStringAsync();
                }
            times[i] = stopwatch.Elapsed.TotalMilliseconds;
        }
        return times;
    }

    // --- CPU ------------------------------------------------------------------------------------

    private static async Task<Phase> MeasureCpuAsync(List<CpuShare> shares, string burst, Func<Task<(Phase Phase, double[] Direct)>> run)
    {
        var before = ProcessCpu();
        var phase = (await run()).Phase;
        var after = ProcessCpu();
        shares.Add(new CpuShare(burst, phase.Messages, phase.Rate, after.Keys.Select(name => (name, ms: after[name] - before.GetValueOrDefault(name)))
            .GroupBy(x => x.name.Split('#')[0]).ToDictionary(g => g.Key, g => g.Sum(x => x.ms) / phase.Messages)));
        return phase;
    }

    /// <summary>
    /// CPU milliseconds so far (name#pid) of every Relay process this benchmark started, of RabbitMQ's
    /// node (beam.smp), of Apertium APY with its translation pipelines (its child processes) and of the
    /// benchmark itself (the clients, the SMTP sink and the no-op translator).
    /// </summary>
    private static Dictionary<string, double> ProcessCpu()
    {
        const double msPerTick = 10; // USER_HZ is 100 on Linux
        var all = Processes().ToList();
        var apy = all.Where(p => p.Args.Any(a => a.EndsWith("apy-loopback.py", StringComparison.Ordinal) || a.Contains("apertium-apy", StringComparison.Ordinal)))
            .Select(p => p.Pid).ToHashSet();
        var found = new Dictionary<string, double>();
        foreach (var process in all)
        {
            var name = process.Pid == Environment.ProcessId ? "the benchmark (clients, SMTP sink, no-op translator)"
                : process.Args[0].EndsWith("beam.smp", StringComparison.Ordinal) ? "RabbitMQ (beam.smp)"
                : apy.Contains(process.Pid) || apy.Contains(process.Parent) ? "Apertium APY and its pipelines"
                : process.RelayService;
            if (name is not null)
                found[$"{name}#{process.Pid}"] = process.CpuTicks * msPerTick;
        }
        return found;
    }

    // --- memory ---------------------------------------------------------------------------------

    /// <summary>Peak (VmHWM) and current (VmRSS) resident memory of every Relay process this benchmark started.</summary>
    private static List<Memory> ProcessMemory()
    {
        var found = new List<Memory>();
        foreach (var process in Processes().Where(p => p.RelayService is not null))
        {
            try
            {
                var status = File.ReadAllLines($"/proc/{process.Pid}/status");
                long Kb(string field) => long.Parse(status.First(l => l.StartsWith(field + ":", StringComparison.Ordinal))
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                found.Add(new Memory(process.RelayService!, process.Pid, Kb("VmHWM"), Kb("VmRSS")));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException) { }
        }
        return found.OrderBy(m => Array.IndexOf(RelayProcesses.Services, m.Process)).ThenBy(m => m.Pid).ToList();
    }

    /// <param name="CpuTicks">User and system time so far, in clock ticks.</param>
    /// <param name="RelayService">The Relay service this benchmark started as this process (Relay.Intake, …), or null.</param>
    private sealed record ProcessInfo(int Pid, int Parent, long CpuTicks, string[] Args, string? RelayService);

    /// <summary>Every process /proc shows, read once; one that ends while it is read is left out.</summary>
    private static IEnumerable<ProcessInfo> Processes()
    {
        foreach (var dir in Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            ProcessInfo info;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                var dll = parent == Environment.ProcessId
                    ? args.FirstOrDefault(a => a.EndsWith(".dll", StringComparison.Ordinal) && Path.GetFileName(a).StartsWith("Relay.", StringComparison.Ordinal))
                    : null;
                info = new ProcessInfo(int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture), parent,
                    long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture),
                    args, dll is null ? null : Path.GetFileNameWithoutExtension(dll));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { continue; }
            yield return info;
        }
    }

    // --- versions -------------------------------------------------------------------------------

    private static async Task<string> VersionsAsync(string apertiumUrl, string managementUrl)
    {
        var parts = new List<string> { $".NET {Environment.Version}" };
        static string Informational(Type type) => (type.Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .FirstOrDefault() as System.Reflection.AssemblyInformationalVersionAttribute)?.InformationalVersion.Split('+')[0] ?? "?";
        parts.Add("MassTransit " + Informational(typeof(MassTransit.IBus)));
        parts.Add("MailKit " + Informational(typeof(MailKit.Net.Smtp.SmtpClient)));
        try
        {
            using var management = new HttpClient();
            management.DefaultRequestHeaders.Authorization = new("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"relay:{Environment.GetEnvironmentVariable("RabbitMq__Password")}")));
            var overview = await management.GetFromJsonAsync<JsonElement>(managementUrl.TrimEnd('/') + "/api/overview");
            parts.Add("RabbitMQ " + overview.GetProperty("rabbitmq_version").GetString() + ", Erlang " + overview.GetProperty("erlang_version").GetString());
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException) { parts.Add("RabbitMQ (version unknown)"); }
        parts.Add("APY " + Dpkg("apertium-apy") + ", apertium-eng-spa " + Dpkg("apertium-eng-spa") + $" at {apertiumUrl}");
        parts.Add("SQLite");
        return string.Join(", ", parts);
    }

    private static string Dpkg(string package)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("dpkg-query", ["-W", "-f=${Version}", package]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var version = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return version.Length > 0 ? version : "?";
        }
        catch (System.ComponentModel.Win32Exception) { return "?"; }
    }

    // --- the report -----------------------------------------------------------------------------

    private static double Pct(IReadOnlyCollection<double> values, double p) => values.Count == 0 ? double.NaN : Stats.Percentile(values, p);

    private static string Report(List<Phase> phases, Dictionary<string, List<Memory>> memory, List<CpuShare> cpu, double[] apyIdle, List<double> apyUnderLoad,
        TranslationBenchmark.Letter letter, int seconds, int[] rates, int burst, int fanOut, int languages, int rounds, string versions, string load, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        var apyP50 = Pct(apyIdle, 0.5);
        text.AppendLine("# Pipeline: end to end, scale and memory");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"`deploy/local/bench.sh pipeline --seconds {seconds} --rates {string.Join(',', rates)} --burst {burst} --recipients {fanOut} --languages {languages} --rounds {rounds}` (issue 8, points 3, 5 and 6). Conditions at the end; the machine was shared with other work, see the load average there.");
        text.AppendLine();
        text.AppendLine("## End to end: submit to the SMTP 250, open loop");
        text.AppendLine();
        text.AppendLine("| translator | offered (letters/s) | letters | p50 (ms) | p99 (ms) | max (ms) | achieved (letters/s) | kept up? | intake 202 p50 (ms) | emails | SMTP connections used (new) | correct |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var p in phases.Where(p => p.Name.Contains("/s", StringComparison.Ordinal)))
            text.AppendLine(CultureInfo.InvariantCulture, $"| {(p.Name.StartsWith("APY", StringComparison.Ordinal) ? "Apertium APY" : "no-op")} | {Offered(p)} | {p.Messages} | {Pct(p.LatenciesMs, 0.5):F0} | {Pct(p.LatenciesMs, 0.99):F0} | {p.LatenciesMs.DefaultIfEmpty(double.NaN).Max():F0} | {p.Rate:F1} | {(KeptUp(p) ? "yes" : "**no**: saturated")} | {Pct(p.IntakeMs, 0.5):F0} | {p.Letters} | {p.ConnectionsUsed} ({p.Connections}) | {Verdict(p)} |");
        text.AppendLine();
        text.AppendLine("Achieved is letters over the time from the first scheduled POST to the last 250. A run that did not keep up (its last 250 came more than 2 s after its last due time plus the median latency of its first tenth) was saturated: its queue grew for the whole run, so its latency depends on the run's length, not only on the load.");
        text.AppendLine();
        var underLoad = apyUnderLoad.Count > 0
            ? string.Create(CultureInfo.InvariantCulture, $" p50 {Pct(apyUnderLoad, 0.5):F0} ms over {apyUnderLoad.Count} letters sent the same way alongside the APY runs (while Relay also used APY).") : "";
        text.AppendLine(CultureInfo.InvariantCulture, $"APY itself, the same letter sent directly (title and body, eng|spa, one letter at a time): p50 **{apyP50:F0} ms**, p99 {Pct(apyIdle, 0.99):F0} ms over {apyIdle.Length} letters on an otherwise idle machine;{underLoad}");
        text.AppendLine();

        text.AppendLine("### Goal: the pipeline's own cost under 20% of its slowest real stage (translation by APY)");
        text.AppendLine();
        text.AppendLine("| offered (letters/s) | no-op p50 (ms) | APY-run p50 (ms) | no-op p50 / APY-run p50 | no-op p50 / APY's own p50 for the letter | goal (< 20% of APY's own time) |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- |");
        var met = true;
        var noopSingle = phases.Where(p => p.Name == "no-op, one at a time").SelectMany(p => p.LatenciesMs).ToList();
        var apySingle = phases.Where(p => p.Name == "APY, one at a time").SelectMany(p => p.LatenciesMs).ToList();
        if (noopSingle.Count > 0 && apySingle.Count > 0)
        {
            var n50 = Stats.Median(noopSingle);
            var r50 = Stats.Median(apySingle);
            var ok = n50 < 0.2 * apyP50;
            met &= ok;
            text.AppendLine(CultureInfo.InvariantCulture, $"| one at a time, no other letter in flight (median of {noopSingle.Count}) | {n50:F0} | {r50:F0} | {n50 / r50:P0} | {n50 / apyP50:P0} | {(ok ? "met" : "missed")} |");
        }
        foreach (var rate in rates)
        {
            var noop = phases.FirstOrDefault(p => p.Name == $"no-op, {rate}/s");
            var real = phases.FirstOrDefault(p => p.Name == $"APY, {rate}/s");
            if (noop is null || real is null)
                continue;
            var n50 = Pct(noop.LatenciesMs, 0.5);
            var r50 = Pct(real.LatenciesMs, 0.5);
            var ok = n50 < 0.2 * apyP50;
            met &= ok;
            text.AppendLine(CultureInfo.InvariantCulture, $"| {rate}{(KeptUp(noop) ? "" : " (no-op saturated)")}{(KeptUp(real) ? "" : " (APY run saturated)")} | {n50:F0} | {r50:F0} | {n50 / r50:P0} | {n50 / apyP50:P0} | {(ok ? "met" : "missed")} |");
        }
        text.AppendLine();
        text.AppendLine(met
            ? "**Goal met**: the no-op pipeline's p50 is under 20% of APY's own time for the same letter, one at a time and at every offered load."
            : "**Goal missed**: the no-op pipeline's p50 (the pipeline's own cost: intake, outbox, four RabbitMQ hops, moderation, SQLite, composing and sending the email) is not under 20% of APY's own time for the same letter (APY's idle p50 above)"
              + "; see the ratios above. The middle ratio (no-op p50 against the whole APY run's p50) is the share of the end-to-end latency that is the pipeline's own, not the goal's measure.");
        text.AppendLine();

        text.AppendLine("Where the time went, medians by the times Relay stores (each process's UTC clock): from intake's receipt to the last translation stored, and from there to the last delivery row marked (after the 250); the rest of the end-to-end latency is the POST itself.");
        text.AppendLine();
        text.AppendLine("| run | end to end p50 (ms) | received → translated (ms) | translated → delivered (ms) |");
        text.AppendLine("| --- | --- | --- | --- |");
        foreach (var group in phases.Where(p => p.Name.Contains("/s", StringComparison.Ordinal) || p.Name.Contains("one at a time", StringComparison.Ordinal)).GroupBy(p => p.Name))
            text.AppendLine(CultureInfo.InvariantCulture, $"| {group.Key} | {Stats.Median(group.SelectMany(p => p.LatenciesMs)):F0} | {Stats.Median(group.SelectMany(p => p.TranslatedMs)):F0} | {Stats.Median(group.SelectMany(p => p.DeliveredMs)):F0} |");
        text.AppendLine();

        text.AppendLine("Each hop, medians in ms, by the times Relay stores: an outbox event's creation (its stage committed) and its dispatch (the broker confirmed it), and the delivery's claim and recorded outcome (PipelineHops.cs). A hop \"broker → stage committed\" is the broker handing the event over, the stage's own work and its commit.");
        text.AppendLine();
        var hopRuns = phases.Where(p => p.Hops.Count > 0 && (p.Name.Contains("/s", StringComparison.Ordinal) || p.Name.Contains("one at a time", StringComparison.Ordinal))).GroupBy(p => p.Name).ToList();
        text.AppendLine("| hop | " + string.Join(" | ", hopRuns.Select(g => g.Key)) + " |");
        text.AppendLine("| --- |" + string.Concat(hopRuns.Select(_ => " --- |")));
        foreach (var hop in PipelineHops.Names)
            text.AppendLine("| " + hop + " | " + string.Join(" | ", hopRuns.Select(g => g.SelectMany(p => p.Hops[hop]).ToList() is { Count: > 0 } v ? Stats.Median(v).ToString("F1", CultureInfo.InvariantCulture) : "–")) + " |");
        text.AppendLine();

        text.AppendLine("## Scale");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"(a) A burst of {burst} letters (en→es, one recipient each; no-op translator) submitted at once by 16 clients, timed from the first POST to the last 250:");
        text.AppendLine();
        text.AppendLine("| instances of each worker | letters | seconds to the last 250 | letters/s | p50 (ms) | p99 (ms) | new SMTP connections | correct |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var p in phases.Where(p => p.Name.StartsWith("burst", StringComparison.Ordinal)))
            text.AppendLine(CultureInfo.InvariantCulture, $"| {(p.Name.Contains('2') ? 2 : 1)} | {p.Messages} | {p.Seconds:F1} | **{p.Rate:F1}** | {Pct(p.LatenciesMs, 0.5):F0} | {Pct(p.LatenciesMs, 0.99):F0} | {p.Connections} | {Verdict(p)} |");
        var bursts = phases.Where(p => p.Name.StartsWith("burst", StringComparison.Ordinal)).ToList();
        if (bursts.Count == 2)
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Two instances of each worker: {bursts[1].Rate / bursts[0].Rate:F2}× the throughput of one (on {Environment.ProcessorCount} cores shared by every process, RabbitMQ and the benchmark).");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"(b) One letter to {fanOut} unions in {languages} languages ({string.Join(", ", FanOutLanguages.Take(languages))}; the sender writes English) against one letter to one union in Spanish, {rounds} letters each, one at a time, no-op translator (APY here has no pairs for {languages} languages from English; the translator's own time is not what this measures):");
        text.AppendLine();
        text.AppendLine("| letter to | submit → last 250, median (ms) | each round (ms) | translations made (API) | translation requests to the translator | emails | SMTP connections that carried them (new) | emails per connection | correct |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var group in phases.Where(p => p.Name.Contains('×')).GroupBy(p => p.Name))
        {
            var ps = group.ToList();
            var letters = ps.Sum(p => p.Letters);
            var used = ps.Sum(p => p.ConnectionsUsed);
            text.AppendLine(CultureInfo.InvariantCulture, $"| {group.Key} | {Stats.Median(ps.Select(p => p.LatenciesMs.DefaultIfEmpty(double.NaN).Max())):F0} | {string.Join(", ", ps.Select(p => p.LatenciesMs.DefaultIfEmpty(double.NaN).Max().ToString("F0", CultureInfo.InvariantCulture)))} | {string.Join(", ", ps.Select(p => p.Translations))} | {string.Join(", ", ps.Select(p => p.ProviderRequests))} | {letters} | {string.Join(", ", ps.Select(p => $"{p.ConnectionsUsed} ({p.Connections})"))} | {(used == 0 ? "-" : (letters / (double)used).ToString("F0", CultureInfo.InvariantCulture))} | {(ps.All(p => p.Problems.Count == 0) ? "yes" : "NO")} |");
        }
        text.AppendLine();
        text.AppendLine("Each round is counted separately (comma-separated); the connections are those that carried the round's letters, in brackets those the sink accepted during the round: the delivery worker keeps a pool (Smtp:PoolSize 2, idle 20 s), so a round may use connections opened before it. The sender's summary email is not counted here.");
        text.AppendLine();
        if (cpu.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"(c) Where the CPU goes: the CPU time (user and system, from /proc/<pid>/stat) each process spent during a burst, in milliseconds a letter; the {Environment.ProcessorCount} cores give {Environment.ProcessorCount * 1000} ms of CPU a second. The APY burst is {cpu[0].Letters} letters with the real translator, before the no-op bursts above:");
            text.AppendLine();
            var names = cpu.SelectMany(c => c.MsPerLetter.Keys).Distinct().OrderBy(n => n.StartsWith("Relay.", StringComparison.Ordinal) ? Array.IndexOf(RelayProcesses.Services, n) : 100).ToList();
            text.AppendLine("| process | " + string.Join(" | ", cpu.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Burst} ({c.Letters} letters, {c.Rate:F1}/s)"))) + " |");
            text.AppendLine("| --- |" + string.Concat(cpu.Select(_ => " --- |")));
            static double RelayMs(CpuShare c) => c.MsPerLetter.Where(x => x.Key.StartsWith("Relay.", StringComparison.Ordinal)).Sum(x => x.Value);
            foreach (var name in names)
                text.AppendLine($"| {name} | " + string.Join(" | ", cpu.Select(c => c.MsPerLetter.GetValueOrDefault(name, double.NaN).ToString("F1", CultureInfo.InvariantCulture))) + " |");
            text.AppendLine("| **Relay's five services** | " + string.Join(" | ", cpu.Select(c => $"**{RelayMs(c).ToString("F1", CultureInfo.InvariantCulture)}**")) + " |");
            text.AppendLine("| all of these | " + string.Join(" | ", cpu.Select(c => c.MsPerLetter.Values.Sum().ToString("F1", CultureInfo.InvariantCulture))) + " |");
            text.AppendLine();
            if (cpu.FirstOrDefault(c => c.MsPerLetter.ContainsKey("Apertium APY and its pipelines")) is { } withApy)
            {
                var apyMs = withApy.MsPerLetter["Apertium APY and its pipelines"];
                var rabbit = withApy.MsPerLetter.GetValueOrDefault("RabbitMQ (beam.smp)");
                text.AppendLine(CultureInfo.InvariantCulture, $"With APY translating, APY spent **{apyMs:F1} ms** of CPU a letter and Relay's five services **{RelayMs(withApy):F1} ms** ({RelayMs(withApy) / apyMs:P0} of APY's), RabbitMQ {rabbit:F1} ms more ({(RelayMs(withApy) + rabbit) / apyMs:P0} together): on these shared cores the pipeline's own cost takes that much of the CPU the translation stage could use.");
                text.AppendLine();
            }
        }

        text.AppendLine("## Memory: peak RSS of each process under the offered load");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"VmHWM from /proc/<pid>/status, read right after the last offered-load run ({string.Join(" and ", rates.Select(r => $"{r}/s"))}, {seconds} s each), before the bursts:");
        text.AppendLine();
        var processes = memory.Values.SelectMany(m => m.Select(x => x.Process)).Distinct().ToList();
        text.AppendLine("| process | " + string.Join(" | ", memory.Keys.Select(k => $"peak RSS, {k} (MiB)")) + " |");
        text.AppendLine("| --- |" + string.Concat(memory.Keys.Select(_ => " --- |")));
        foreach (var process in processes)
            text.AppendLine($"| {process} | " + string.Join(" | ", memory.Values.Select(m => string.Join(" + ",
                m.Where(x => x.Process == process).Select(x => (x.PeakKb / 1024.0).ToString("F0", CultureInfo.InvariantCulture))))) + " |");
        text.AppendLine();

        text.AppendLine("## Correctness");
        text.AppendLine();
        var bad = phases.Where(p => p.Problems.Count > 0).ToList();
        text.AppendLine(bad.Count == 0
            ? $"Every run checked: every message delivered (GET /api/messages/{{id}} as coordinator: status delivered, every delivery sent, one translation per language other than English), exactly one email per recipient to its address, one sender's summary per message, no other email. {phases.Sum(p => p.Letters)} letters' emails and {phases.Sum(p => p.Summaries)} summaries in the measured runs."
            : "Problems found:\n\n" + string.Join("\n", bad.SelectMany(p => p.Problems.Take(10).Select(x => $"- {p.Name}: {x}"))));
        text.AppendLine();

        text.AppendLine("## Conditions");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"""
            - {Environment.ProcessorCount} cores ({CpuModel()}), {MemTotal()}, shared by RabbitMQ, APY, the five Relay processes (two of each worker in the second burst), the benchmark and whatever else the machine ran ({load}); {DateTime.UtcNow:yyyy-MM-dd}, whole run {elapsed.TotalMinutes:F1} min.
            - {versions}.
            - The letter: a seed letter (tests/data/seeds), title {letter.Title.Length} characters, body {letter.Body.Length} characters (one APY request each), numbered per message so Relay's translation cache never answers; English to one Spanish union; not published.
            - Every service a process of its own from the Release build (tests/Relay.EndToEnd.Tests/RelayProcesses.cs: a RabbitMQ virtual host and a SQLite database of the run's own, Outbox:PollInterval 200 ms), with RateLimits:Enabled false, Moderation:Disabled rate,duplicate,first-message, Delivery:PerDomainPerMinute 100000; everything else at Relay's defaults.
            - Open loop: the letters' POSTs go out on a fixed schedule ({seconds} s at each rate) whatever the earlier ones are doing; latency runs from a letter's scheduled time to the 250 the sink answers to the end of its DATA (Stopwatch timestamps in one process), so an intake that falls behind counts in full.
            - The no-op translator: an APY-compatible server inside the benchmark (/listPairs naming every pair among {string.Join(", ", FanOutLanguages.Prepend("en"))}; /translate answering the text it was given at once).
            - The SMTP sink: inside the benchmark, answering at once, advertising only 8BITMIME and SIZE; it links each email to its message and union by the Message-ID Relay gives it.
            """);
        return text.ToString();
    }

    private static string Offered(Phase p) => p.Name.Split(", ")[1].Replace("/s", "", StringComparison.Ordinal);

    /// <summary>
    /// Whether the pipeline kept pace with an open-loop run: its last 250 came no later than the last
    /// due time plus the median latency of the run's first tenth plus 2 s (a growing queue makes it later).
    /// </summary>
    private static bool KeptUp(Phase p)
    {
        var scheduleSeconds = (p.Messages - 1) / double.Parse(Offered(p), CultureInfo.InvariantCulture);
        var early = p.LatenciesMs.Take(Math.Max(1, p.LatenciesMs.Length / 10)).DefaultIfEmpty(double.NaN);
        return p.Seconds <= scheduleSeconds + Stats.Median(early) / 1000 + 2;
    }

    private static string Verdict(Phase p) => p.Problems.Count == 0 ? "yes" : "NO: " + string.Join("; ", p.Problems.Take(3));

    private static string LoadAverage()
    {
        try { return string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }

    private static string CpuModel()
    {
        try { return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"; }
        catch (IOException) { return "unknown CPU"; }
    }

    private static string MemTotal()
    {
        try
        {
            var kb = long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            return $"{kb / 1024.0 / 1024.0:F1} GiB RAM";
        }
        catch (IOException) { return "RAM unknown"; }
    }

    private static string LatencyChart(List<Phase> phases, int[] rates)
    {
        SvgChart.Series Line(string name, string prefix, double p) => new(name,
            rates.Select(r => phases.FirstOrDefault(x => x.Name == $"{prefix}, {r}/s") is { } x ? Pct(x.LatenciesMs, p) : 0).ToList());
        return SvgChart.Render("Relay end to end: submit to SMTP 250, open loop", "offered load (letters a second)", rates.Select(r => r.ToString(CultureInfo.InvariantCulture)).ToList(),
        [
            new SvgChart.Panel("p50 latency", "ms", [Line("Apertium APY", "APY", 0.5), Line("no-op translator", "no-op", 0.5)]),
            new SvgChart.Panel("p99 latency", "ms", [Line("Apertium APY", "APY", 0.99), Line("no-op translator", "no-op", 0.99)]),
        ]);
    }

    private static string ScaleChart(List<Phase> phases, int burst)
    {
        var bursts = phases.Where(p => p.Name.StartsWith("burst", StringComparison.Ordinal)).ToList();
        return SvgChart.Render($"Relay: a burst of {burst} letters, no-op translator", "instances of each worker", bursts.Select(b => b.Name.Contains('2') ? "2" : "1").ToList(),
        [
            new SvgChart.Panel("throughput", "letters a second", [new SvgChart.Series("submit → last 250", bursts.Select(b => b.Rate).ToList())]),
            new SvgChart.Panel("p99 latency", "ms", [new SvgChart.Series("submit → last 250", bursts.Select(b => Pct(b.LatenciesMs, 0.99)).ToList())]),
        ]);
    }
}
