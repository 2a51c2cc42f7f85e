using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using MailKit.Net.Smtp;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Relay.Delivery;
using Relay.Storage;

namespace Relay.Benchmarks;

/// <summary>
/// The email stage against MailKit itself, to the same SMTP sink over the same number of
/// connections, in one run. The raw blast sends pre-built emails over connections opened once;
/// the stage does what Relay does for each batch of approved messages the consumer takes: load
/// them, create their deliveries, claim them, compose the emails, send them through the connection
/// pool, record the outcomes and settle the messages with their outbox events, on a real SQLite
/// database. A third blast opens a connection per message, which is what the pool saves.
/// </summary>
public static partial class DeliveryBenchmark
{
    private const int Rounds = 5;

    /// <summary>
    /// How the delivery worker's consumer hands approved messages to the stage (DeliverMessageConsumerDefinition):
    /// batches of Delivery:BatchSize, as many at once as RabbitMq:PrefetchCount holds.
    /// </summary>
    private sealed record Batching(int Size, int AtOnce)
    {
        public static Batching Of(DeliveryOptions delivery, int prefetchCount) => new(delivery.BatchSize, delivery.BatchesAtOnce(prefetchCount));
        public override string ToString() => $"in batches of {Size}, {AtOnce} batch{(AtOnce == 1 ? "" : "es")} at a time";
    }

    private sealed record Round(string Phase, int Count, double Seconds, double[] LatenciesMs, double CpuMs, double MachineBusy)
    {
        public double Rate => Count / Seconds;
    }

    public static async Task<int> RunAsync(int messages, int connections, int perMessage, int batchSize, int sinkDelayMs, string smtpHost, int smtpPort,
        string output)
    {
        var perConnection = Math.Max(connections, messages / 4);
        var folder = Directory.CreateTempSubdirectory("relay-bench-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = $"Data Source={folder}/relay.db",
            ["Smtp:Host"] = smtpHost,
            ["Smtp:Port"] = smtpPort.ToString(),
            ["Smtp:PoolSize"] = connections.ToString(),
            // The sink is one domain: the per-domain limit would measure itself, not the stage.
            ["Delivery:PerDomainPerMinute"] = "0",
            ["Links:Secret"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        }.Concat(batchSize > 0 ? [new("Delivery:BatchSize", batchSize.ToString())] : [])).Build();
        var services = new ServiceCollection()
            .AddLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<IConfiguration>(configuration);
        services.AddRelayStorage(configuration);
        services.AddEmailDelivery();
        await using var provider = services.BuildServiceProvider();
        // The schema as every service makes it at start (the other hosted service, the deferred
        // delivery scheduler, is not started: nothing here is deferred).
        await provider.GetServices<IHostedService>().OfType<DatabaseInitializer>().Single().StartAsync(CancellationToken.None);
        var mail = provider.GetRequiredService<IOptions<MailOptions>>().Value;
        var batching = Batching.Of(provider.GetRequiredService<IOptions<DeliveryOptions>>().Value, new Relay.ServiceDefaults.RabbitMqOptions().PrefetchCount);
        var (sender, recipients) = await UnionsAsync(provider, Math.Max(20, perMessage));

        var greeting = await GreetingAsync(smtpHost, smtpPort);
        var sample = Email(Draft(Guid.NewGuid(), sender, recipients[0]), mail);
        var size = SizeOf(sample);
        Console.WriteLine($"delivery benchmark: {messages} emails per round ({size:N0} bytes, {sample.Body?.ContentType.MimeType}), " +
            $"{connections} connections, sink {smtpHost}:{smtpPort} ({greeting})");

        var clients = new List<SmtpClient>();
        for (var i = 0; i < connections; i++)
        {
            var client = new SmtpClient();
            await ConnectAsync(client, smtpHost, smtpPort);
            clients.Add(client);
        }
        var sink = new SinkCounter(smtpHost, smtpPort, mail);

        // Warm up each path with a round of its own (JIT tiering, EF's model and query caches, SQLite's
        // pages, the pool's connections): the first rounds ran visibly slower with a shorter warm-up.
        var loadBefore = LoadAverage();
        var pool = provider.GetRequiredService<SmtpConnectionPool>();
        await RawRoundAsync(clients, Emails(messages, sender, recipients, mail));
        await PoolRoundAsync(pool, Emails(messages, sender, recipients, mail), connections);
        await StageRoundAsync(provider, await ApprovedAsync(provider, sender, recipients, messages, 1), 1, batching, sink: null);
        await StageRoundAsync(provider, await ApprovedAsync(provider, sender, recipients, messages, perMessage), perMessage, batching, sink: null);
        await PerMessageRoundAsync(smtpHost, smtpPort, Emails(perConnection / 2, sender, recipients, mail), connections);

        // Alternate the four, round by round, so drift on the machine falls on each alike.
        var results = new List<Round>();
        for (var round = 1; round <= Rounds; round++)
        {
            var emails = Emails(messages, sender, recipients, mail);
            results.Add(await sink.CheckedAsync(messages, () => RawRoundAsync(clients, emails)));
            var pooled = Emails(messages, sender, recipients, mail);
            results.Add(await sink.CheckedAsync(messages, () => PoolRoundAsync(pool, pooled, connections)));
            var ids = await ApprovedAsync(provider, sender, recipients, messages, 1);
            results.Add(await StageRoundAsync(provider, ids, 1, batching, sink));
            var campaigns = await ApprovedAsync(provider, sender, recipients, messages, perMessage);
            results.Add(await StageRoundAsync(provider, campaigns, perMessage, batching, sink));
            var fresh = Emails(perConnection, sender, recipients, mail);
            results.Add(await sink.CheckedAsync(perConnection, () => PerMessageRoundAsync(smtpHost, smtpPort, fresh, connections)));
            Console.WriteLine($"round {round}: " + string.Join(", ", results.TakeLast(5).Select(r => $"{r.Phase} {r.Rate:F0}/s")));
        }

        // One more stage round, not counted, with EF's command diagnostics on: where the time goes.
        using var profile = new SqlProfile();
        var profiled = await StageRoundAsync(provider, await ApprovedAsync(provider, sender, recipients, messages, 1), 1, batching, sink, profile);
        // And composing alone, on one thread: the part of the stage's CPU that is MimeKit building the email.
        var drafts = Enumerable.Range(0, messages).Select(i => Draft(Guid.NewGuid(), sender, recipients[i % recipients.Count])).ToList();
        var composing = Stopwatch.StartNew();
        foreach (var draft in drafts)
            Email(draft, mail);
        var composeMs = composing.Elapsed.TotalMilliseconds / drafts.Count;

        foreach (var client in clients)
            await client.DisconnectAsync(quit: true);
        var load = $"{loadBefore} when it started, {LoadAverage()} at the end";
        var report = Report(results, profiled, profile, composeMs, load, sink.Available, messages, perConnection, connections, perMessage, batching, sinkDelayMs, size, smtpHost, smtpPort, greeting,
            await SqliteVersionAsync(provider));
        Console.WriteLine(report);
        if (output.Length > 0)
            await File.WriteAllTextAsync(output, report + "\n");
        await provider.GetRequiredService<SmtpConnectionPool>().DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        return 0;
    }

    // --- the four ways of sending --------------------------------------------------------------

    /// <summary>Pre-built emails over connections opened beforehand, each connection taking the next email.</summary>
    private static Task<Round> RawRoundAsync(List<SmtpClient> clients, List<MimeMessage> emails) =>
        TimedAsync("raw", emails.Count, clients.Count, async (i, _) => await clients[i.Worker].SendAsync(emails[i.Index]));

    /// <summary>Pre-built emails through Relay's connection pool alone (no database, no composing): the stage's SMTP part.</summary>
    private static Task<Round> PoolRoundAsync(SmtpConnectionPool pool, List<MimeMessage> emails, int workers) =>
        TimedAsync("pool", emails.Count, workers, async (i, ct) => await pool.SendAsync(emails[i.Index], ct));

    /// <summary>
    /// Connects over a socket with Nagle's algorithm off, as SmtpConnectionPool does: MailKit's own
    /// connect leaves it on, and an email over ~4 KB then stalls ~40 ms on the server's delayed ACK.
    /// </summary>
    private static async Task ConnectAsync(SmtpClient client, string host, int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(host, port);
        await client.ConnectAsync(socket, host, port, MailKit.Security.SecureSocketOptions.None);
    }

    /// <summary>A connection per email: connect, EHLO, send, QUIT.</summary>
    private static Task<Round> PerMessageRoundAsync(string host, int port, List<MimeMessage> emails, int connections) =>
        TimedAsync("per-message", emails.Count, connections, async (i, _) =>
        {
            using var client = new SmtpClient();
            await ConnectAsync(client, host, port);
            await client.SendAsync(emails[i.Index]);
            await client.DisconnectAsync(quit: true);
        });

    /// <summary>
    /// The real stage for the messages (with <paramref name="perMessage"/> recipients each), as the
    /// consumer runs it: a batch of them per run, each run in a scope of its own, as many batches at a
    /// time as the consumer takes. The messages are all waiting, so every batch is full but the last.
    /// </summary>
    private static async Task<Round> StageRoundAsync(IServiceProvider provider, List<Guid> ids, int perMessage, Batching batching, SinkCounter? sink,
        SqlProfile? profile = null)
    {
        var emails = ids.Count * perMessage;
        var batches = ids.Chunk(batching.Size).ToList();
        var run = async () =>
        {
            using var listening = profile?.Listen();
            var timed = await TimedAsync(perMessage == 1 ? "stage" : "campaign", batches.Count, batching.AtOnce, async (i, ct) =>
            {
                await using var scope = provider.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<DeliveryStage>().RunAsync(batches[i.Index], ct);
            });
            return timed with { Count = emails };
        };
        var round = sink is null ? await run() : await sink.CheckedAsync(emails, run);

        // Every delivery sent exactly once, and every message settled, says the database.
        await using var check = provider.CreateAsyncScope();
        var db = check.ServiceProvider.GetRequiredService<RelayDb>();
        var deliveries = await db.Deliveries.AsNoTracking().Where(d => ids.Contains(d.MessageId))
            .GroupBy(d => new { d.Status, d.Attempts }).Select(g => new { g.Key.Status, g.Key.Attempts, Count = g.Count() }).ToListAsync();
        var delivered = await db.Messages.CountAsync(m => ids.Contains(m.Id) && m.Status == MessageStatus.Delivered);
        var sentOnce = deliveries.Where(d => d.Status == DeliveryStatus.Sent && d.Attempts == 1).Sum(d => d.Count);
        if (sentOnce != emails || deliveries.Sum(d => d.Count) != emails || delivered != ids.Count)
            throw new InvalidOperationException($"{ids.Count} messages: {delivered} delivered; deliveries " +
                string.Join(", ", deliveries.Select(d => $"{d.Count} {d.Status} after {d.Attempts}")));
        return round;
    }

    private readonly record struct Item(int Worker, int Index);

    /// <summary>Runs <paramref name="count"/> items on <paramref name="workers"/> workers taking the next one in turn; times the whole and each item.</summary>
    private static async Task<Round> TimedAsync(string phase, int count, int workers, Func<Item, CancellationToken, Task> send)
    {
        var latencies = new double[count];
        var next = -1;
        var busy = MachineCpu.Read();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                var start = Stopwatch.GetTimestamp();
                await send(new Item(worker, index), CancellationToken.None);
                latencies[index] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })));
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        return new Round(phase, count, seconds, latencies, cpuMs, MachineCpu.Read().BusySince(busy));
    }

    // --- the data ------------------------------------------------------------------------------

    private const string Title = "Solidarity with the striking miners of Cerrejón";
    private const string Body = """
        Dear colleagues,

        The members of our union send you their full solidarity in your strike for safe working conditions and a fair wage. We have followed the news of the last weeks with admiration: your unity in the face of threats and dismissals shows what organised workers can do.

        Our assembly will raise your strike with the company's buyers here. Tell us what else would help.

        In solidarity,
        """;
    private const string SpanishTitle = "Solidaridad con los mineros en huelga del Cerrejón";
    private const string SpanishBody = """
        Queridos colegas:

        Los afiliados de nuestro sindicato les envían toda su solidaridad en su huelga por condiciones de trabajo seguras y un salario justo. Hemos seguido las noticias de las últimas semanas con admiración: su unidad frente a las amenazas y los despidos muestra lo que pueden hacer los trabajadores organizados.

        Nuestra asamblea llevará su huelga a los compradores de la empresa aquí. Díganos qué más les ayudaría.

        En solidaridad,
        """;

    private static async Task<(Union Sender, List<Union> Recipients)> UnionsAsync(IServiceProvider provider, int count)
    {
        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RelayDb>();
        Union NewUnion(string name, string country, string language, string email) => new()
        {
            Id = Guid.NewGuid(), Name = name, Country = country, Languages = [language], Email = email,
            ApiKeyHash = Guid.NewGuid().ToString("N"), CreatedAt = DateTime.UtcNow,
        };
        var sender = NewUnion("International Miners' Coordination", "DE", "en", "coordination@example.org");
        var recipients = Enumerable.Range(1, count).Select(i => NewUnion($"Sindicato minero {i}", "CO", "es", $"sindicato{i}@example.org")).ToList();
        db.Unions.Add(sender);
        db.Unions.AddRange(recipients);
        await db.SaveChangesAsync();
        return (sender, recipients);
    }

    /// <summary>
    /// Approved messages carrying <paramref name="emails"/> deliveries in all, each to
    /// <paramref name="perMessage"/> different unions, with its Spanish translation, as moderation leaves them.
    /// </summary>
    private static async Task<List<Guid>> ApprovedAsync(IServiceProvider provider, Union sender, List<Union> recipients, int emails, int perMessage)
    {
        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RelayDb>();
        var ids = new List<Guid>();
        for (var i = 0; i < emails / perMessage; i++)
        {
            var now = DateTime.UtcNow;
            var message = new SolidarityMessage
            {
                Id = Guid.NewGuid(), SenderUnionId = sender.Id, Title = Title, Body = Body, Language = "en", Author = "Ana Weber",
                Status = MessageStatus.Approved, ModerationDecision = "approve", ReceivedAt = now, UpdatedAt = now,
                Recipients = [.. Enumerable.Range(0, perMessage).Select(j => new MessageRecipient { UnionId = recipients[(i * perMessage + j) % recipients.Count].Id })],
                Translations = [new Storage.Translation { Language = "es", Title = SpanishTitle, Body = SpanishBody, Origin = TranslationOrigin.Machine, Provider = "apertium", At = now }],
            };
            db.Messages.Add(message);
            ids.Add(message.Id);
        }
        await db.SaveChangesAsync();
        return ids;
    }

    private static EmailDraft Draft(Guid messageId, Union sender, Union recipient) => new(messageId, recipient.Id, sender.Name, sender.Email,
        "Ana Weber", recipient.Name, recipient.Email, [new EmailText("es", SpanishTitle, SpanishBody, TranslationOrigin.Machine, "apertium")],
        new EmailText("en", Title, Body), $"http://127.0.0.1:8080/preferences/{Convert.ToBase64String(recipient.Id.ToByteArray())}");

    /// <summary>The email the stage would compose for the same message (same composer, same texts).</summary>
    private static MimeMessage Email(EmailDraft draft, MailOptions mail) => MailComposer.Compose(draft, mail);

    private static List<MimeMessage> Emails(int count, Union sender, List<Union> recipients, MailOptions mail) =>
        Enumerable.Range(0, count).Select(i => Email(Draft(Guid.NewGuid(), sender, recipients[i % recipients.Count]), mail)).ToList();

    private static long SizeOf(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default, stream);
        return stream.Length;
    }

    // --- the sink's own count --------------------------------------------------------------------

    /// <summary>
    /// Reads the sink's counts from its reply to a probe email, before and after a round. The
    /// counting aiosmtpd handler (deploy/local/smtp_sink.py) answers "250 OK received=N distinct=M";
    /// another sink (maildev) does not, and then only the database is checked.
    /// </summary>
    private sealed partial class SinkCounter(string host, int port, MailOptions mail)
    {
        public bool Available { get; private set; } = true;

        public async Task<Round> CheckedAsync(int expected, Func<Task<Round>> round)
        {
            var before = await ProbeAsync();
            var result = await round();
            var after = await ProbeAsync();
            if (before is { } b && after is { } a)
            {
                // The second probe is one email and one Message-ID more.
                var (received, distinct) = (a.Received - b.Received - 1, a.Distinct - b.Distinct - 1);
                if (received != expected || distinct != expected)
                    throw new InvalidOperationException($"{result.Phase}: the sink received {received} emails with {distinct} distinct Message-IDs, not {expected}");
            }
            return result;
        }

        private async Task<(long Received, long Distinct)?> ProbeAsync()
        {
            if (!Available)
                return null;
            var probe = new MimeMessage { MessageId = $"probe-{Guid.NewGuid():N}@{mail.MessageIdDomain}", Subject = "probe" };
            probe.From.Add(MailboxAddress.Parse(mail.FromAddress));
            probe.To.Add(MailboxAddress.Parse("probe@example.org"));
            probe.Body = new TextPart("plain") { Text = "probe" };
            using var client = new SmtpClient();
            await client.ConnectAsync(host, port, MailKit.Security.SecureSocketOptions.None);
            var reply = await client.SendAsync(probe);
            await client.DisconnectAsync(quit: true);
            var match = Counts().Match(reply);
            if (!match.Success)
            {
                Available = false;
                return null;
            }
            return (long.Parse(match.Groups[1].Value), long.Parse(match.Groups[2].Value));
        }

        [GeneratedRegex(@"received=(\d+) distinct=(\d+)")]
        private static partial Regex Counts();
    }

    // --- where the stage's time goes ---------------------------------------------------------------

    /// <summary>EF's diagnostic events for commands, transactions and connection opens, summed by kind.</summary>
    private sealed partial class SqlProfile : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        public readonly ConcurrentDictionary<string, (int Count, double Ms)> Totals = new();
        private readonly List<IDisposable> _subscriptions = [];

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == DbLoggerCategory.Name)
                _subscriptions.Add(listener.Subscribe(this));
        }

        public void OnNext(KeyValuePair<string, object?> e)
        {
            var (kind, duration) = e.Value switch
            {
                CommandExecutedEventData c => (Kind(c.Command.CommandText), c.Duration),
                TransactionEndEventData t when e.Key == RelationalEventId.TransactionStarted.Name => ("BEGIN (waits for the write lock)", t.Duration),
                TransactionEndEventData t when e.Key == RelationalEventId.TransactionCommitted.Name => ("COMMIT", t.Duration),
                ConnectionEndEventData c when e.Key == RelationalEventId.ConnectionOpened.Name => ("open connection (with the PRAGMAs)", c.Duration),
                _ => (null, TimeSpan.Zero),
            };
            if (kind is not null)
                Totals.AddOrUpdate(kind, (1, duration.TotalMilliseconds), (_, t) => (t.Count + 1, t.Ms + duration.TotalMilliseconds));
        }

        private static string Kind(string sql)
        {
            if (sql.Contains("\"Attempts\" + 1", StringComparison.Ordinal))
                return "UPDATE deliveries (the claim)";
            var verb = sql.TrimStart().Split(' ', 2)[0].ToUpperInvariant();
            var table = Table().Match(sql);
            var tables = verb == "SELECT" && sql.Contains("JOIN", StringComparison.Ordinal) ? " … JOIN" : "";
            return $"{verb} {(table.Success ? table.Groups[1].Value : "?")}{tables}";
        }

        [GeneratedRegex("(?:FROM|INTO|UPDATE) \"(\\w+)\"")]
        private static partial Regex Table();

        public void OnCompleted() { }
        public void OnError(Exception error) { }

        /// <summary>Listens to EF until the result is disposed.</summary>
        public IDisposable Listen()
        {
            var all = DiagnosticListener.AllListeners.Subscribe(this);
            return new Stop(() =>
            {
                all.Dispose();
                Dispose();
            });
        }

        private sealed class Stop(Action stop) : IDisposable
        {
            public void Dispose() => stop();
        }

        /// <summary>Stops listening to EF (the listener subscriptions outlive the subscription to AllListeners).</summary>
        public void Dispose()
        {
            foreach (var subscription in _subscriptions)
                subscription.Dispose();
            _subscriptions.Clear();
        }
    }

    // --- the machine ---------------------------------------------------------------------------

    /// <summary>The machine's busy and total CPU time from /proc/stat (all processes, every core).</summary>
    private readonly record struct MachineCpu(long Busy, long Total)
    {
        public static MachineCpu Read()
        {
            try
            {
                var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(long.Parse).ToArray();
                var idle = fields[3] + fields[4];
                return new MachineCpu(fields.Sum() - idle, fields.Sum());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return default; }
        }

        public double BusySince(MachineCpu before) => Total > before.Total ? (double)(Busy - before.Busy) / (Total - before.Total) : double.NaN;
    }

    private static async Task<string> GreetingAsync(string host, int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(host, port);
        using var reader = new StreamReader(tcp.GetStream());
        var line = await reader.ReadLineAsync() ?? "";
        return line.StartsWith("220 ", StringComparison.Ordinal) ? line[4..] : line;
    }

    private static async Task<string> SqliteVersionAsync(IServiceProvider provider)
    {
        await using var scope = provider.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<RelayDb>().Database.SqlQueryRaw<string>("SELECT sqlite_version() AS \"Value\"").SingleAsync();
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string Version(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? type.Assembly.GetName().Version!.ToString();

    private static string CpuModel()
    {
        try { return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"; }
        catch (IOException) { return "?"; }
    }

    // --- the report -------------------------------------------------------------------------------

    private static string Report(List<Round> results, Round profiled, SqlProfile profile, double composeMs, string load, bool counted, int messages, int perConnection, int connections,
        int perMessage, Batching batching, int sinkDelayMs, long size, string host, int port, string greeting, string sqlite)
    {
        Round[] Of(string phase) => results.Where(r => r.Phase == phase).ToArray();
        double RateOf(string phase) => Stats.Median(Of(phase).Select(r => r.Rate));
        var (raw, stage, campaign, fresh) = (RateOf("raw"), RateOf("stage"), RateOf("campaign"), RateOf("per-message"));
        string Row(string label, string phase, string ratio)
        {
            var rounds = Of(phase);
            var all = rounds.SelectMany(r => r.LatenciesMs).ToArray();
            var cpu = rounds.Sum(r => r.CpuMs) / rounds.Sum(r => r.Count);
            return $"| {label} | {RateOf(phase):F0} | {ratio} | {Stats.Percentile(all, 0.5):F1} | {Stats.Percentile(all, 0.99):F1} | {cpu:F2} | " +
                $"{Stats.Median(rounds.Select(r => r.MachineBusy)):P0} | {string.Join(", ", rounds.Select(r => r.Rate.ToString("F0")))} |";
        }

        var perDelivery = profile.Totals.OrderByDescending(t => t.Value.Ms)
            .Select(t => $"| {t.Key} | {(double)t.Value.Count / profiled.Count:F1} | {t.Value.Ms / profiled.Count:F2} |");
        var sqlMs = profile.Totals.Where(t => !t.Key.StartsWith("open", StringComparison.Ordinal)).Sum(t => t.Value.Ms) / profiled.Count;
        var stageP50 = Stats.Percentile(Of("stage").SelectMany(r => r.LatenciesMs), 0.5);
        var rawP50 = Stats.Percentile(Of("raw").SelectMany(r => r.LatenciesMs), 0.5);
        string Goal(double rate) => rate >= 0.9 * raw ? "meets" : "misses";
        var sinkKind = sinkDelayMs > 0
            ? $"a sink that waits {sinkDelayMs} ms before answering each DATA, as a mail server that writes the email to disk (or sits across a network) does"
            : "a sink that answers at once (the CPU-bound worst case for Relay's own overhead)";
        var verified = counted
            ? "the sink's own count (its reply to a probe email before and after) says it accepted exactly that many emails\nwith as many distinct Message-IDs."
            : "this sink does not report its count (only the counting aiosmtpd handler does), so only the database was checked.";

        return $"""
            | what | emails per second (median of {Rounds} rounds) | of raw | p50 ms per email | p99 ms per email | CPU ms per email (this process) | machine CPU busy | rounds |
            | --- | --- | --- | --- | --- | --- | --- | --- |
            {Row($"raw MailKit, {connections} connections opened once, pre-built emails", "raw", "100%")}
            {Row($"Relay's SmtpConnectionPool alone (pool of {connections}), pre-built emails, {connections} workers", "pool", (RateOf("pool") / raw).ToString("P0"))}
            {Row($"Relay's email stage (DeliveryStage, pool of {connections}), messages to 1 union, {batching}", "stage", (stage / raw).ToString("P0"))}
            {Row($"Relay's email stage, a campaign: messages to {perMessage} unions each, {batching}", "campaign", (campaign / raw).ToString("P0"))}
            {Row($"raw MailKit, a new connection per email, {connections} at a time", "per-message", (fresh / raw).ToString("P0"))}

            Against {sinkKind}: the stage delivers messages to one union at {stage / raw:P0} of the raw rate ({Goal(stage)} the goal of 90%),
            and a campaign's deliveries at {campaign / raw:P0} ({Goal(campaign)} it). Connection reuse gains
            {raw / fresh:F1}× over a connection per email (raw blast against raw blast, {raw / fresh - 1:P0} more emails per second).

            What the figures mean: every row sends the same emails (MailComposer's multipart/alternative, a Spanish
            translation and the English original, {size:N0} bytes) to the same sink over {connections} SMTP connections at a time.
            "raw" is the ceiling: MailKit alone, emails built beforehand, connections opened before the clock starts (with NoDelay, as the pool opens its own). "stage" is
            Relay end to end per batch of approved messages, as DeliverMessageConsumer hands them over: loading the batch (one split query), creating its delivery rows (one write), the claims
            (one UPDATE on the attempt count per twice the pool size in deliveries, across the batch's messages), composing, sending through SmtpConnectionPool (side by side),
            writing the outcomes (group commits), reading the statuses (one query) and settling the messages with their outbox events (one write), on SQLite (WAL, synchronous=NORMAL),
            each batch in its own DI scope, {batching.Size} messages a batch (Delivery:BatchSize) and {batching.AtOnce} at a time (RabbitMq:PrefetchCount / Delivery:BatchSize, the consumer's
            ConcurrencyLimit). Every message is waiting when the round starts, so every batch is full but the last, and no broker round trip or batch wait (Delivery:BatchWait) is counted.
            "pool" is the stage's SMTP part alone: the same pre-built emails through Relay's SmtpConnectionPool.
            The stage's latency is the whole RunAsync (per batch); the other rows' is one SMTP send (or connect, send and QUIT).
            After each round the database says every delivery is `sent` after exactly one attempt and every message `delivered`;
            {verified}
            CPU ms per email is this process's CPU time over the round divided by the emails; machine CPU busy is all processes on all {Environment.ProcessorCount} cores (the sink included, and anything else running).

            Where the stage's time goes (one extra stage round of {profiled.Count} messages with EF's diagnostics on, not counted above,
            {profiled.Rate:F0}/s): per delivery, summed over the concurrent workers,

            | EF command or event | per delivery | ms per delivery |
            | --- | --- | --- |
            {string.Join("\n", perDelivery)}

            SQL time (commands, BEGIN and COMMIT, as EF times them) is {sqlMs:F2} ms per delivery, against the stage's p50 of
            {stageP50:F1} ms per batch and a raw send's p50 of {rawP50:F1} ms. Composing an email alone takes {composeMs:F2} ms of
            CPU on one thread.

            Conditions: {(sinkDelayMs > 0 ? $"the sink waits {sinkDelayMs} ms per DATA; " : "")}{messages} emails a round ({perConnection} for a connection per email), {connections} connections, warmed up first,
            the five alternated round by round; load average {load};
            sink {host}:{port} ("{greeting}"); {Environment.ProcessorCount} cores ({CpuModel()}), {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, MailKit {Version(typeof(SmtpClient))},
            EF Core {Version(typeof(DbContext))}, SQLite {sqlite}; {DateTime.UtcNow:yyyy-MM-dd}.
            """;
    }
}
