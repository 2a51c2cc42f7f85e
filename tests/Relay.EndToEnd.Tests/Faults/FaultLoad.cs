using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Relay.Tests.Support;
using Xunit.Abstractions;

namespace Relay.EndToEnd.Tests.Faults;

/// <summary>
/// The load each fault scenario runs under, and the checker that judges it. Three unions (writing
/// English, Spanish and French) send letters, each to two of five unions reading Spanish, French,
/// Portuguese, Catalan and English, every fourth one also published; all are submitted before the
/// fault, as a client would: each with an Idempotency-Key, tried again with the same key on a 5xx
/// or a broken connection. The checker then reads every message's status over the API and every
/// email maildev received, and fails on a message not in a final state, a delivery marked sent
/// with no email, an email to an address the message was not for, a sender never told how its
/// message ended, or a repeated email that the delivery worker did not log as possibly repeated.
/// </summary>
public sealed class FaultLoad(RelayProcesses relay, ITestOutputHelper output)
{
    public static readonly string[] FinalStatuses = ["delivered", "failed", "rejected"];

    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];
    private readonly ConcurrentDictionary<int, Guid> _accepted = new();
    private readonly ConcurrentDictionary<int, int> _answers = new();
    private readonly Stopwatch _clock = new();
    private List<LoadUnion> _senders = [];
    private List<LoadUnion> _recipients = [];
    private int _retried;
    private readonly List<string> _measured = [];

    /// <summary>Recipients' languages that APY translates each sender's language into directly (or that need no translation).</summary>
    private static readonly Dictionary<string, string[]> DirectlyReached = new()
    {
        ["en"] = ["es", "ca", "en"],
        ["es"] = ["en", "pt", "fr"],
        ["fr"] = ["es", "fr"],
    };

    public int Count { get; init; } = 500;
    public IReadOnlyCollection<Guid> Accepted => _accepted.Values.ToList();
    public IReadOnlyList<LoadUnion> Recipients => _recipients;
    /// <summary>Seconds since the first letter was submitted: the timeline of a scenario's notes.</summary>
    public double Elapsed => _clock.Elapsed.TotalSeconds;

    public sealed record LoadUnion(Guid Id, string Key, string Email, string Language);

    /// <summary>
    /// One scenario: starts the relay, prepares the unions, lets <paramref name="fault"/> submit the
    /// load and break something, waits for every message to settle and checks the outcome.
    /// </summary>
    public static async Task<FaultFigures> RunAsync(ITestOutputHelper output, FaultRelay relay, string scenario,
        Func<FaultRelay, FaultLoad, Task> fault, Func<Guid, string, bool>? mayFail = null)
    {
        await relay.InitializeAsync();
        try
        {
            var load = new FaultLoad(relay, output);
            await load.PrepareAsync();
            await fault(relay, load);
            await load.SettleAsync();
            return await load.CheckAsync(scenario, mayFail);
        }
        finally { await relay.DisposeAsync(); }
    }

    public async Task PrepareAsync()
    {
        async Task<LoadUnion> Create(string name, string language, string role, int n)
        {
            var email = $"{role}{n}-{_tag}@unions.example.org";
            var union = await relay.Api.CreateUnionAsync(relay.CoordinatorKey, $"{name} {_tag}", language, email);
            return new LoadUnion(union.GetProperty("id").GetGuid(), union.GetProperty("apiKey").GetString()!, email, language);
        }
        _senders = [await Create("International Miners' Coordination", "en", "s", 0), await Create("Sintracarbón", "es", "s", 1), await Create("CGT Mines", "fr", "s", 2)];
        _recipients = [];
        foreach (var (language, i) in DirectlyReached.Values.SelectMany(l => l).Distinct().Select((l, i) => (l, i)))
            _recipients.Add(await Create($"Recipient union ({language})", language, "r", i));
    }

    /// <summary>Submits the letters numbered [from, to) (all of them by default), eight at a time; returns once each has been answered 202.</summary>
    public async Task SubmitAsync(int from = 0, int? to = null)
    {
        _clock.Start();
        await Parallel.ForEachAsync(Enumerable.Range(from, (to ?? Count) - from), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var sender = _senders[i % _senders.Count];
            // Two recipients each, among those APY reaches from the sender's language without a pivot
            // (a pivot triples the translation work, and the suite is about faults, not APY's speed).
            var readers = DirectlyReached[sender.Language].Select(l => _recipients.Single(r => r.Language == l)).ToList();
            var first = readers[i / _senders.Count % readers.Count];
            var second = readers[(i / _senders.Count + 1) % readers.Count];
            var (title, body) = Letter(sender.Language, i);
            var letter = new { recipients = new[] { first.Id, second.Id }, title, body, language = sender.Language, publish = sender.Language != "fr" && i % 4 == 0 };
            _accepted[i] = await SubmitOneAsync(sender.Key, $"fault-{_tag}-{i}", letter);
        });
        output.WriteLine($"{Elapsed:0.0} s: letters {from + 1}–{to ?? Count} accepted (so far {Describe(_answers)}; {_retried} tried again)");
    }

    private async Task<Guid> SubmitOneAsync(string key, string idempotencyKey, object letter)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, relay.BaseUrl + "/api/messages") { Content = JsonContent.Create(letter) };
            request.Headers.Authorization = new("Bearer", key);
            request.Headers.Add("Idempotency-Key", idempotencyKey);
            try
            {
                using var response = await relay.Http.SendAsync(request);
                _answers.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                if (response.StatusCode == HttpStatusCode.Accepted)
                    return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                // A 5xx or a 429 means "not taken, try again"; anything else is the letter's fault, which this load never makes.
                Assert.True((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests,
                    $"a letter was refused with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                _answers.AddOrUpdate(0, 1, (_, n) => n + 1);
            }
            Interlocked.Increment(ref _retried);
            await Task.Delay(500);
        }
        throw new TimeoutException($"a letter was never accepted in 5 minutes\n{relay.Logs()}");
    }

    /// <summary>Writes a moment of the scenario to the test's output; <paramref name="measured"/> ones also go into its figures.</summary>
    public void Note(string what, bool measured = false)
    {
        output.WriteLine($"{Elapsed:0.0} s: {what}");
        if (measured)
            _measured.Add(what);
    }

    /// <summary>Messages and deliveries by status and the outbox backlog, from the coordinator's pipeline view.</summary>
    public async Task<JsonElement> PipelineAsync() =>
        await relay.Api.SendAsync(HttpMethod.Get, "/api/pipeline", relay.CoordinatorKey);

    public static int CountOf(JsonElement pipeline, string part, params string[] statuses) =>
        statuses.Sum(s => pipeline.GetProperty(part).TryGetProperty(s, out var n) ? n.GetInt32() : 0);

    /// <summary>Waits until the pipeline shows what a fault should wait for (some emails sent: the load is mid-way).</summary>
    public async Task WaitForAsync(string what, Func<JsonElement, bool> condition, int seconds = 240)
    {
        JsonElement last = default;
        try
        {
            await relay.WaitAsync(what, async () =>
            {
                try { last = await PipelineAsync(); }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Xunit.Sdk.XunitException) { return false; }
                return condition(last);
            }, seconds);
        }
        catch (TimeoutException e)
        {
            // Where the load stood is what tells a stalled stage from a slow one.
            throw new TimeoutException($"{Elapsed:0.0} s: the pipeline showed {Summary(last)}; {await NotFinalAsync()}\n{e.Message}", e);
        }
        output.WriteLine($"{Elapsed:0.0} s: {what} ({Summary(last)})");
    }

    /// <summary>Waits until every message is in a final state, no delivery is waiting and the outbox is empty.</summary>
    public Task SettleAsync(int seconds = 360) => WaitForAsync("every message settled", p =>
        CountOf(p, "messages", FinalStatuses) >= Count
        && CountOf(p, "deliveries", "pending", "deferred") == 0
        && p.GetProperty("outboxWaiting").GetInt32() == 0, seconds);

    /// <summary>The accepted messages not in a final state, as their senders see them (the first ten).</summary>
    private async Task<string> NotFinalAsync()
    {
        var waiting = new List<string>();
        foreach (var (n, id) in _accepted)
        {
            try
            {
                var status = await relay.Api.StatusAsync(id, _senders[n % _senders.Count].Key);
                if (!FinalStatuses.Contains(status.GetProperty("status").GetString()))
                    waiting.Add($"{id} {status.ToString()[..Math.Min(600, status.ToString().Length)]}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Xunit.Sdk.XunitException)
            {
                waiting.Add($"{id}: {e.Message}");
            }
        }
        return $"{waiting.Count} of {_accepted.Count} accepted messages not final: {string.Join("; ", waiting.Take(10))}";
    }

    public static string Summary(JsonElement pipeline) => pipeline.ValueKind == JsonValueKind.Undefined ? "no answer" :
        $"messages {Describe(pipeline.GetProperty("messages"))}; deliveries {Describe(pipeline.GetProperty("deliveries"))}; outbox {pipeline.GetProperty("outboxWaiting").GetInt32()}";

    private static string Describe(JsonElement counts) => string.Join(", ", counts.EnumerateObject().Select(p => $"{p.Value.GetInt32()} {p.Name}"));
    private static string Describe(IDictionary<int, int> answers) => string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Value}× {(a.Key == 0 ? "no answer" : a.Key.ToString())}"));

    /// <summary>
    /// Judges the run: every message final, every delivery marked sent has its email, no email to an
    /// address the message was not for, and every repeated email logged by the delivery worker as
    /// possibly repeated. Returns the figures for the scenario's report.
    /// </summary>
    public async Task<FaultFigures> CheckAsync(string scenario, Func<Guid, string, bool>? mayFail = null)
    {
        // Every message, as its sender sees it.
        var statuses = new ConcurrentDictionary<Guid, JsonElement>();
        await Parallel.ForEachAsync(_accepted, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (pair, _) =>
        {
            var sender = _senders[pair.Key % _senders.Count];
            statuses[pair.Value] = await relay.Api.StatusAsync(pair.Value, sender.Key);
        });
        var notFinal = statuses.Where(s => !FinalStatuses.Contains(s.Value.GetProperty("status").GetString())).Select(s => $"{s.Key} {s.Value.GetProperty("status")}").ToList();
        Assert.True(notFinal.Count == 0, $"{notFinal.Count} messages not in a final state: {string.Join("; ", notFinal.Take(5))}\n{relay.Logs()}");

        var sent = new HashSet<(string Message, string Address)>();
        var failed = new List<string>();
        foreach (var (id, status) in statuses)
        {
            foreach (var delivery in status.GetProperty("deliveries").EnumerateArray())
            {
                var union = delivery.GetProperty("recipient").GetGuid();
                var address = _recipients.Single(r => r.Id == union).Email;
                if (delivery.GetProperty("status").GetString() == "sent")
                    sent.Add((id.ToString(), address));
                else if (mayFail?.Invoke(id, address) == true)
                    failed.Add($"{id} → {address}: {delivery.GetProperty("detail")}");
                else
                    Assert.Fail($"delivery of {id} to {address} ended {delivery.GetProperty("status")}: {delivery.GetProperty("detail")}\n{relay.Logs()}");
            }
        }

        // Every email maildev holds for this run's unions.
        using var maildev = new HttpClient { BaseAddress = new Uri(RelayProcesses.MaildevUrl), Timeout = TimeSpan.FromMinutes(2) };
        var emails = (await maildev.GetFromJsonAsync<List<JsonElement>>("/api/email"))!
            .Where(e => e.GetProperty("envelope").GetProperty("to").EnumerateArray().Any(t => t.GetProperty("address").GetString()!.Contains(_tag)))
            .ToList();
        var recipientEmails = _recipients.Select(r => r.Email).ToHashSet();
        var toUnions = emails
            .SelectMany(e => e.GetProperty("envelope").GetProperty("to").EnumerateArray().Select(t => t.GetProperty("address").GetString()!)
                .Where(recipientEmails.Contains)
                .Select(address => (Message: e.GetProperty("headers").TryGetProperty("x-relay-message", out var m) ? m.GetString()! : "", Address: address)))
            .GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
        var lost = sent.Where(k => !toUnions.ContainsKey(k)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} deliveries marked sent have no email, e.g. {string.Join("; ", lost.Take(3))}");
        var stray = toUnions.Keys.Where(k => !statuses.ContainsKey(Guid.TryParse(k.Message, out var g) ? g : Guid.Empty)).ToList();
        Assert.True(stray.Count == 0, $"{stray.Count} emails to this run's unions belong to no message of it, e.g. {string.Join("; ", stray.Take(3))}");
        var wrongAddress = toUnions.Keys.Where(k => !statuses[Guid.Parse(k.Message)].GetProperty("deliveries").EnumerateArray()
            .Any(d => _recipients.Single(r => r.Id == d.GetProperty("recipient").GetGuid()).Email == k.Address)).ToList();
        Assert.True(wrongAddress.Count == 0, $"emails went to unions their message was not for: {string.Join("; ", wrongAddress.Take(3))}");

        // A repeated email is allowed only when the worker said it might repeat that one.
        var warned = relay.LogLines("Relay.Delivery").Select(l => l.Line).Where(l => l.Contains("may repeat", StringComparison.Ordinal)).ToList();
        var repeated = toUnions.Where(k => k.Value > 1).ToList();
        var unlogged = repeated.Where(k => !warned.Any(w => w.Contains(k.Key.Message, StringComparison.Ordinal) && w.Contains(k.Key.Address, StringComparison.Ordinal))).ToList();
        Assert.True(unlogged.Count == 0, $"{unlogged.Count} emails were sent more than once without a warning, e.g. {string.Join("; ", unlogged.Take(3).Select(u => $"{u.Key} ×{u.Value}"))}");

        // One summary to the sender per message; a repeated one only where the worker said it might repeat it.
        var senderEmails = _senders.Select(s => s.Email).ToHashSet();
        var summaries = emails.Where(e => e.GetProperty("envelope").GetProperty("to").EnumerateArray().Any(t => senderEmails.Contains(t.GetProperty("address").GetString()!)))
            .GroupBy(e => e.GetProperty("headers").TryGetProperty("x-relay-message", out var m) ? m.GetString()! : "").ToDictionary(g => g.Key, g => g.Count());
        var unloggedSummaries = summaries.Where(s => s.Value > 1 && !warned.Any(w =>
            w.Contains(s.Key, StringComparison.Ordinal) || w.Contains(Guid.Parse(s.Key).ToString("N"), StringComparison.Ordinal))).ToList();
        Assert.True(unloggedSummaries.Count == 0, $"{unloggedSummaries.Count} senders got the summary of one message twice without a warning");
        var withoutSummary = statuses.Keys.Where(id => !summaries.ContainsKey(id.ToString())).ToList();
        Assert.True(withoutSummary.Count == 0, $"{withoutSummary.Count} senders were never told how their message ended, e.g. {string.Join(", ", withoutSummary.Take(3))}");
        var figures = new FaultFigures(scenario, Count, Math.Round(Elapsed), _retried, Describe(_answers),
            sent.Count, failed.Count, toUnions.Values.Sum(), repeated.Sum(r => r.Value - 1), warned.Count,
            summaries.Where(s => s.Key != "").Sum(s => s.Value), summaries.Where(s => s.Value > 1).Sum(s => s.Value - 1), string.Join("; ", _measured));
        output.WriteLine(figures.ToString());
        foreach (var failure in failed.Take(3))
            output.WriteLine($"failed as the scenario expects: {failure}");
        await FaultReport.AppendAsync(figures);
        return figures;
    }

    private static (string Title, string Body) Letter(string language, int i)
    {
        var n = i + 1;
        switch (language)
        {
            case "es":
                return ($"Solidaridad con la huelga, carta {n}",
                    $"Queridos compañeros y compañeras: el sindicato entero está con vuestra huelga. Exigimos que la empresa negocie y que respete el derecho de huelga. Carta número {n}.");
            case "fr":
                return ($"Solidarité avec la grève, lettre {n}",
                    $"Chers camarades, tout le syndicat soutient votre grève. Nous exigeons que l'entreprise négocie et respecte le droit de grève. Lettre numéro {n}.");
            default:
                var seed = Seeds.Letters[i % Seeds.Letters.Count];
                var paragraph = seed.Body.Split("\n\n").First(p => p.Length > 80);
                return ($"{seed.Title} ({n})", (paragraph.Length > 500 ? paragraph[..paragraph.LastIndexOf(' ', 500)] + "." : paragraph) + $"\n\nLetter number {n}.");
        }
    }
}

/// <summary>What one scenario measured.</summary>
public sealed record FaultFigures(string Scenario, int Messages, double Seconds, int SubmissionsTriedAgain, string Answers,
    int DeliveriesSent, int DeliveriesFailedAsExpected, int EmailsToUnions, int RepeatedEmails, int RepeatWarnings,
    int Summaries, int RepeatedSummaries, string Measured)
{
    public override string ToString() =>
        $"{Scenario}: {Messages} messages settled in {Seconds} s; answers {Answers} ({SubmissionsTriedAgain} tried again); " +
        $"{DeliveriesSent} deliveries sent, {DeliveriesFailedAsExpected} failed as expected; {EmailsToUnions} emails to unions, {RepeatedEmails} repeated " +
        $"({RepeatWarnings} 'may repeat' warnings logged); {Summaries} summaries to senders, {RepeatedSummaries} repeated" +
        (Measured.Length > 0 ? $"; {Measured}" : "");
}

/// <summary>The figures of the last run, one line per scenario, in .relay/logs/fault-suite.md (deploy/local/test.sh prints it).</summary>
public static class FaultReport
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string Path => RelayProcesses.Env("RELAY_TEST_FAULT_REPORT",
        System.IO.Path.Combine(RelayProcesses.RepositoryRoot(), ".relay", "logs", "fault-suite.md"));

    public static async Task AppendAsync(FaultFigures figures)
    {
        await Gate.WaitAsync();
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            await File.AppendAllTextAsync(Path, $"- {DateTime.UtcNow:yyyy-MM-dd HH:mm} {figures}\n");
        }
        finally { Gate.Release(); }
    }
}
