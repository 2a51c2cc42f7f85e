using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Relay.Intake;
using Relay.Storage;

namespace Relay.Benchmarks;

/// <summary>
/// The public site over a database of 10,000 published messages, against the same host answering
/// /health/live, in one run. The real intake runs in memory (WebApplicationFactory, TestServer: no
/// network), configured as in production but with MassTransit's in-memory harness for the bus; each
/// request's time is from sending it to having read the whole response.
/// </summary>
public static partial class SiteBenchmark
{
    /// <summary>The goal (issue 6): the index renders in under 50 ms on the server.</summary>
    private const double GoalMs = 50;

    private sealed record Target(string Name, string Shown, Func<int, HttpRequestMessage> Request, HttpStatusCode Expected);

    private sealed record Round(string Target, int Concurrency, double Seconds, double[] LatenciesMs, double CpuMs)
    {
        public double Rate => LatenciesMs.Length / Seconds;
    }

    public static async Task<int> RunAsync(int messages, int unions, int requests, int rounds, int[] concurrencies, string output)
    {
        var folder = Directory.CreateTempSubdirectory("relay-bench-").FullName;
        var storage = new StorageOptions { ConnectionString = $"Data Source={folder}/relay.db" };
        var seeding = Stopwatch.StartNew();
        var data = await SeedAsync(storage, messages, unions);
        Console.WriteLine($"site benchmark: seeded {data} in {seeding.Elapsed.TotalSeconds:F0} s; {requests} requests a page per round, " +
            $"{rounds} rounds, concurrency {string.Join(", ", concurrencies)}");

        var loadBefore = LoadAverage();
        // WebApplicationFactory finds Relay.Intake's content root through the manifest the Mvc.Testing
        // package writes next to this assembly, looking for it in the current directory (as under dotnet test).
        output = output.Length > 0 ? Path.GetFullPath(output) : output;
        Directory.SetCurrentDirectory(AppContext.BaseDirectory);
        await using var site = new SiteHost(storage.ConnectionString, folder);
        using var client = site.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

        // What a reader sent back for the index: its validators, for the conditional GET.
        using var first = await client.GetAsync("/");
        var etag = first.Headers.ETag ?? throw new InvalidOperationException("the index sent no ETag");
        var lastModified = first.Content.Headers.LastModified ?? throw new InvalidOperationException("the index sent no Last-Modified");
        var html = await first.Content.ReadAsStringAsync();
        var pages = (data.Visible + 19) / 20;
        if (!html.Contains($"Page 1 of {pages}", StringComparison.Ordinal) || ArticleCount(html) != 20)
            throw new InvalidOperationException($"the index does not show 20 of {data.Visible} messages on page 1 of {pages}");

        HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);
        Target[] targets =
        [
            new("baseline", "`/health/live` (the same host, a trivial endpoint)", _ => Get("/health/live"), HttpStatusCode.OK),
            new("index", "the index `/` (page 1, English)", _ => Get("/"), HttpStatusCode.OK),
            new("page-200", "`/?page=200`", _ => Get("/?page=200"), HttpStatusCode.OK),
            new("spanish", "`/?lang=es`", _ => Get("/?lang=es"), HttpStatusCode.OK),
            new("country", "`/?country=CO` (sender or recipient in Colombia)", _ => Get("/?country=CO"), HttpStatusCode.OK),
            new("message", "a message `/messages/{id}` (200 different ones in turn)", i => Get($"/messages/{data.Sample[i % data.Sample.Count]}"), HttpStatusCode.OK),
            new("feed", "the Atom feed `/feed.atom` (English, 50 entries)", _ => Get("/feed.atom"), HttpStatusCode.OK),
            new("not-modified", "`/` sent back with its ETag and Last-Modified (304)", _ =>
            {
                var request = Get("/");
                request.Headers.IfNoneMatch.Add(etag);
                request.Headers.IfModifiedSince = lastModified;
                return request;
            }, HttpStatusCode.NotModified),
        ];

        // Warm up every page at every concurrency (JIT tiering, Razor's compiled views, EF's model and
        // query caches, SQLite's page cache).
        foreach (var concurrency in concurrencies)
            foreach (var target in targets)
                await RoundAsync(client, target, Math.Max(requests / 2, 2 * concurrency), concurrency);

        // Alternate the pages request batch by batch within each round, so drift on the machine falls on each alike.
        var results = new List<Round>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var concurrency in concurrencies)
                foreach (var target in targets)
                    results.Add(await RoundAsync(client, target, requests, concurrency));
            Console.WriteLine($"round {round}: " + string.Join(", ", results.TakeLast(targets.Length * concurrencies.Length)
                .Where(r => r.Concurrency == 1).Select(r => $"{r.Target} p50 {Stats.Percentile(r.LatenciesMs, 0.5):F1} ms")));
        }

        // Then each page once more, one request at a time, with EF's command diagnostics on: where the time goes.
        var profiles = new List<(Target Target, int Requests, SqlLog Log)>();
        foreach (var target in targets)
        {
            var log = new SqlLog();
            using (log.Listen())
                await RoundAsync(client, target, 20, 1);
            profiles.Add((target, 20, log));
        }

        var load = $"{loadBefore} when it started, {LoadAverage()} at the end";
        var plans = await PlansAsync(storage, profiles.Single(p => p.Target.Name == "index").Log);
        var report = Report(results, targets, profiles, plans, data, requests, rounds, concurrencies, load, await SqliteVersionAsync(storage));
        Console.WriteLine(report);
        if (output.Length > 0)
            await File.WriteAllTextAsync(output, report + "\n");
        await site.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        return 0;
    }

    /// <summary>
    /// The intake as it runs in production (no developer exception page), in memory over the seeded
    /// database, with MassTransit's in-memory test harness in place of RabbitMQ (as the tests' RelayApplication).
    /// </summary>
    private sealed class SiteHost(string connectionString, string folder) : WebApplicationFactory<IntakeOptions>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(Environments.Production);
            builder.UseSetting("Storage:ConnectionString", connectionString);
            builder.UseSetting("Intake:CoordinatorKeyFile", Path.Combine(folder, "coordinator.key"));
            builder.UseSetting("Links:Secret", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            // One client asks thousands of pages a minute from one address: the rate limits would measure themselves.
            builder.UseSetting("RateLimits:Enabled", "false");
            builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
            builder.ConfigureTestServices(services => services.AddMassTransitTestHarness());
        }
    }

    /// <summary>Sends <paramref name="count"/> requests from <paramref name="concurrency"/> workers taking the next one in turn; times each to its last byte.</summary>
    private static async Task<Round> RoundAsync(HttpClient client, Target target, int count, int concurrency)
    {
        var latencies = new double[count];
        var next = -1;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                using var request = target.Request(index);
                var start = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                latencies[index] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (response.StatusCode != target.Expected)
                    throw new InvalidOperationException($"{target.Name}: {request.RequestUri} answered {(int)response.StatusCode}, not {(int)target.Expected}");
            }
        })));
        var seconds = stopwatch.Elapsed.TotalSeconds;
        return new Round(target.Name, concurrency, seconds, latencies, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds);
    }

    private static int ArticleCount(string html) => Regex.Count(html, "<article ");

    // --- the data ------------------------------------------------------------------------------

    private sealed record Seeded(int Unions, int Supporters, int Published, int TakenDown, int Unpublished, int Recipients, int Translations, List<Guid> Sample)
    {
        public int Visible => Published - TakenDown;
        public override string ToString() =>
            $"{Published:N0} published messages ({TakenDown} of them taken down) and {Unpublished} unpublished, {Unions} unions, {Supporters} supporters, " +
            $"{Recipients:N0} recipients, {Translations:N0} translations";
    }

    /// <summary>Countries with the languages their unions write in (first preferred) and a few sectors.</summary>
    private static readonly (string Country, string[] Languages, string Union)[] Countries =
    [
        ("CO", ["es"], "Sindicato Nacional de Trabajadores {0}"), ("MX", ["es"], "Sindicato de Trabajadores {0} de México"),
        ("AR", ["es"], "Federación de Trabajadores {0}"), ("ES", ["es"], "Federación de Servicios {0}"), ("CL", ["es"], "Sindicato Interempresa {0}"),
        ("BR", ["pt"], "Sindicato dos Trabalhadores {0}"), ("PT", ["pt"], "Sindicato dos Trabalhadores {0} do Norte"),
        ("FR", ["fr"], "Fédération CGT {0}"), ("BE", ["fr", "nl"], "Centrale générale {0}"), ("DE", ["de"], "Industriegewerkschaft {0}"),
        ("AT", ["de"], "Gewerkschaft {0}"), ("GB", ["en"], "National Union of {0} Workers"), ("US", ["en"], "United {0} Workers"),
        ("ZA", ["en", "zu"], "National Union of {0}"), ("IN", ["hi", "en"], "{0} Mazdoor Sangh"), ("UA", ["uk"], "Незалежна профспілка {0}"),
        ("PL", ["pl"], "Związek Zawodowy {0}"), ("IT", ["it"], "Federazione Lavoratori {0}"), ("TR", ["tr"], "{0} İşçileri Sendikası"),
        ("EG", ["ar"], "نقابة عمال {0}"), ("KR", ["ko", "en"], "Korean {0} Workers' Union"), ("PH", ["en", "tl"], "Kilusang Mayo Uno {0}"),
    ];

    private static readonly string[] Sectors =
        ["Mining", "Metal", "Energy", "Transport", "Dockers", "Health", "Education", "Textile", "Food", "Construction", "Rail", "Telecom", "Chemical", "Postal"];

    /// <summary>Languages the site publishes in besides the recipients' own (a message is translated into 2–4).</summary>
    private static readonly string[] PublicationLanguages = ["en", "es", "fr", "de", "pt"];

    /// <summary>
    /// A fresh database with the schema every service makes, filled as Relay stores what it published:
    /// unions of the directory in several countries and languages, messages from them (a few from
    /// supporters) to 1–5 unions each, with 2–4 translations, published over two years, some taken
    /// down, and a few unpublished ones beside them. Fixed random seed: every run has the same data.
    /// </summary>
    private static async Task<Seeded> SeedAsync(StorageOptions storage, int messages, int unionCount)
    {
        var random = new Random(6);
        var letters = TranslationBenchmark.Letters();
        var now = DateTime.UtcNow;
        await using var db = Open(storage);
        await RelaySchema.EnsureAsync(db);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var transaction = await db.Database.BeginTransactionAsync();

        var unions = Enumerable.Range(0, unionCount).Select(i =>
        {
            var (country, languages, pattern) = Countries[i % Countries.Length];
            return new Union
            {
                Id = Guid.NewGuid(), Name = string.Format(pattern, Sectors[i / Countries.Length % Sectors.Length]) + $" {i / (Countries.Length * Sectors.Length) + 1}",
                Country = country, Languages = [.. languages], Email = $"union{i}@example.org", ApiKeyHash = Convert.ToHexStringLower(SHA256.HashData(Guid.NewGuid().ToByteArray())),
                CreatedAt = now.AddDays(-800),
            };
        }).ToList();
        var supporters = Enumerable.Range(0, 100).Select(i => new Supporter
        {
            Id = Guid.NewGuid(), Name = $"Supporter {i}", Organisation = i % 3 == 0 ? $"Solidarity committee {i}" : null, Email = $"supporter{i}@example.org", CreatedAt = now.AddDays(-800),
        }).ToList();
        db.Unions.AddRange(unions);
        db.Supporters.AddRange(supporters);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        var unpublished = messages / 20;
        int published = 0, takenDown = 0, recipientCount = 0, translationCount = 0;
        var sample = new List<Guid>();
        for (var i = 0; i < messages + unpublished; i++)
        {
            var fromSupporter = random.Next(20) == 0;
            var sender = unions[random.Next(unions.Count)];
            var language = fromSupporter ? PublicationLanguages[random.Next(PublicationLanguages.Length)] : sender.Languages[0];
            var letter = letters[random.Next(letters.Count)];
            var receivedAt = now.AddDays(-730 * random.NextDouble()).AddMinutes(-30);
            var isPublished = i < messages;
            var message = new SolidarityMessage
            {
                Id = Guid.NewGuid(), SenderUnionId = fromSupporter ? null : sender.Id, SupporterId = fromSupporter ? supporters[random.Next(supporters.Count)].Id : null,
                Channel = fromSupporter ? MessageChannel.SupporterForm : MessageChannel.Api, ConfirmedAt = fromSupporter ? receivedAt : null,
                Title = letter.Title, Body = letter.Body, Language = language, Author = random.Next(3) == 0 ? "International secretary" : null,
                Publish = isPublished || random.Next(2) == 0, Status = isPublished ? MessageStatus.Delivered : random.Next(2) == 0 ? MessageStatus.Held : MessageStatus.Rejected,
                ReceivedAt = receivedAt, UpdatedAt = receivedAt.AddMinutes(random.Next(5, 30)), ModerationDecision = isPublished ? "approve" : "hold", DecidedBy = "rules",
            };
            if (isPublished)
            {
                message.PublishedAt = receivedAt.AddMinutes(random.Next(2, 20));
                message.PublicationUrl = $"http://127.0.0.1:8080/messages/{message.Id}";
                published++;
                if (random.Next(50) == 0)
                {
                    message.TakenDownAt = message.PublishedAt.Value.AddDays(random.Next(1, 10));
                    message.TakedownReason = "Posted in error; the sender asked for it to be removed.";
                    takenDown++;
                }
                else if (sample.Count < 200)
                    sample.Add(message.Id);
            }

            var recipients = unions.Where(u => u.Id != sender.Id).OrderBy(_ => random.Next()).Take(random.Next(1, 6)).ToList();
            message.Recipients = recipients.Select(u => new MessageRecipient { MessageId = message.Id, UnionId = u.Id }).ToList();
            var targets = recipients.Select(u => u.Languages[0]).Concat(PublicationLanguages.OrderBy(_ => random.Next()))
                .Where(l => l != language).Distinct().Take(random.Next(2, 5)).ToList();
            message.Translations = targets.Select(target =>
            {
                var text = letters[random.Next(letters.Count)];
                var human = random.Next(10) == 0;
                return new Relay.Storage.Translation
                {
                    MessageId = message.Id, Language = target, Title = text.Title, Body = text.Body, Origin = human ? TranslationOrigin.Human : TranslationOrigin.Machine,
                    Provider = human ? "coordinator" : "apertium", At = receivedAt.AddMinutes(1),
                };
            }).ToList();
            recipientCount += message.Recipients.Count;
            translationCount += message.Translations.Count;
            db.Messages.Add(message);
            if (i % 500 == 499)
            {
                await db.SaveChangesAsync();
                db.ChangeTracker.Clear();
            }
        }
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        // As a long-running database would have them: SQLite's planner statistics.
        await db.Database.ExecuteSqlRawAsync("ANALYZE");
        return new Seeded(unions.Count, supporters.Count, published, takenDown, unpublished, recipientCount, translationCount, sample);
    }

    private static RelayDb Open(StorageOptions storage)
    {
        var builder = new DbContextOptionsBuilder<RelayDb>();
        StorageExtensions.Configure(builder, storage);
        return new RelayDb(builder.Options);
    }

    private static async Task<string> SqliteVersionAsync(StorageOptions storage)
    {
        await using var db = Open(storage);
        return await db.Database.SqlQueryRaw<string>("SELECT sqlite_version() AS \"Value\"").SingleAsync();
    }

    // --- where the time goes -------------------------------------------------------------------

    /// <summary>
    /// Every SQL command EF executes while listening, with its time as EF measures it: executing it (up
    /// to the first row) plus reading its results (the data reader's life), so a query whose first row
    /// comes at once but whose rows take long to read counts in full.
    /// </summary>
    private sealed class SqlLog : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        public readonly ConcurrentQueue<(string Sql, double Ms, bool Executed)> Commands = new();
        /// <summary>Each statement's parameters as last sent, to ask SQLite for its plan afterwards.</summary>
        public readonly ConcurrentDictionary<string, (string Name, object? Value)[]> Parameters = new();
        private readonly List<IDisposable> _subscriptions = [];

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == DbLoggerCategory.Name)
                lock (_subscriptions)
                    _subscriptions.Add(listener.Subscribe(this));
        }

        public void OnNext(KeyValuePair<string, object?> e)
        {
            if (e.Value is CommandExecutedEventData command)
            {
                var sql = Whitespace().Replace(command.Command.CommandText, " ").Trim();
                Commands.Enqueue((sql, command.Duration.TotalMilliseconds, true));
                Parameters[sql] = command.Command.Parameters.Cast<System.Data.Common.DbParameter>().Select(p => (p.ParameterName, p.Value)).ToArray();
            }
            else if (e.Value is DataReaderDisposingEventData reader)
                Commands.Enqueue((Whitespace().Replace(reader.Command.CommandText, " ").Trim(), reader.Duration.TotalMilliseconds, false));
        }

        public void OnCompleted() { }
        public void OnError(Exception error) { }

        public IDisposable Listen()
        {
            var all = DiagnosticListener.AllListeners.Subscribe(this);
            return new Stop(() =>
            {
                all.Dispose();
                lock (_subscriptions)
                {
                    foreach (var subscription in _subscriptions)
                        subscription.Dispose();
                    _subscriptions.Clear();
                }
            });
        }

        private sealed class Stop(Action stop) : IDisposable
        {
            public void Dispose() => stop();
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>SQLite's plan for each statement (EXPLAIN QUERY PLAN, with the parameters it was last sent), as one line.</summary>
    private static async Task<Dictionary<string, string>> PlansAsync(StorageOptions storage, SqlLog log)
    {
        var plans = new Dictionary<string, string>();
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(storage.ConnectionString);
        await connection.OpenAsync();
        foreach (var (sql, parameters) in log.Parameters)
        {
            if (!sql.StartsWith("SELECT", StringComparison.Ordinal))
                continue;
            await using var command = connection.CreateCommand();
            command.CommandText = "EXPLAIN QUERY PLAN " + sql;
            foreach (var (name, value) in parameters)
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            var steps = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    steps.Add(reader.GetString(3));
            plans[sql] = string.Join("; ", steps);
        }
        return plans;
    }

    // --- the report ----------------------------------------------------------------------------

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string CpuModel()
    {
        try { return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"; }
        catch (IOException) { return "?"; }
    }

    private static string Version(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? type.Assembly.GetName().Version!.ToString();

    private static string Report(List<Round> results, Target[] targets, List<(Target Target, int Requests, SqlLog Log)> profiles, Dictionary<string, string> plans, Seeded data, int requests, int rounds,
        int[] concurrencies, string load, string sqlite)
    {
        // Rates are the median of the rounds'; percentiles are over every round's requests together (a
        // round's few requests would make its own p99 its slowest one).
        double Of(string target, int concurrency, Func<Round, double> figure) =>
            Stats.Median(results.Where(r => r.Target == target && r.Concurrency == concurrency).Select(figure));
        double P(string target, int concurrency, double p) =>
            Stats.Percentile(results.Where(r => r.Target == target && r.Concurrency == concurrency).SelectMany(r => r.LatenciesMs), p);

        var rows = concurrencies.SelectMany(c => targets.Select(t =>
            $"| {t.Shown} | {c} | {P(t.Name, c, 0.5):F1} | {P(t.Name, c, 0.95):F1} | {P(t.Name, c, 0.99):F1} | {Of(t.Name, c, r => r.Rate):F0} | " +
            $"{Of(t.Name, c, r => r.CpuMs / r.LatenciesMs.Length):F1} | {string.Join(", ", results.Where(r => r.Target == t.Name && r.Concurrency == c).Select(r => Stats.Percentile(r.LatenciesMs, 0.5).ToString("F1")))} |"));

        var profileRows = profiles.Select(p =>
        {
            var commands = p.Log.Commands.ToArray();
            return $"| {p.Target.Shown} | {(double)commands.Count(c => c.Executed) / p.Requests:F0} | {commands.Sum(c => c.Ms) / p.Requests:F1} |";
        });
        var index = profiles.Single(p => p.Target.Name == "index");
        var statements = index.Log.Commands.GroupBy(c => c.Sql)
            .Select(g => (Sql: g.Key, Count: (double)g.Count(c => c.Executed) / index.Requests, Ms: g.Sum(c => c.Ms) / index.Requests))
            .OrderByDescending(s => s.Ms)
            .Select(s => $"| {s.Ms:F2} | {s.Count:F0} | `{Shorten(s.Sql)}` | {Escape(plans.GetValueOrDefault(s.Sql, ""))} |");

        var (indexP50, indexP99, baseP50, baseP99) = (P("index", 1, 0.5), P("index", 1, 0.99), P("baseline", 1, 0.5), P("baseline", 1, 0.99));
        var busiest = concurrencies.Max();
        var (busyP50, busyP99) = (P("index", busiest, 0.5), P("index", busiest, 0.99));
        var met = indexP50 < GoalMs && indexP99 < GoalMs;

        return $"""
            | page | concurrency | p50 ms | p95 ms | p99 ms | requests/s | CPU ms per request (this process) | p50 of each round |
            | --- | --- | --- | --- | --- | --- | --- | --- |
            {string.Join("\n", rows)}

            Goal: the index renders in under 50 ms on the server with {data.Published:N0} published messages (p50 and p99, one request at a time).
            The index's p50 is {indexP50:F1} ms and its p99 {indexP99:F1} ms, against {baseP50:F2} ms and {baseP99:F2} ms for `/health/live` on the same host:
            the goal is **{(met ? "met" : "missed")}**. With {busiest} requests at a time on {Environment.ProcessorCount} cores the index's p50 is {busyP50:F1} ms and p99 {busyP99:F1} ms:
            beyond {Environment.ProcessorCount} at a time requests wait for a core (the index's requests per second at {string.Join(", ", concurrencies)} at a time:
            {string.Join(", ", concurrencies.Select(c => Of("index", c, r => r.Rate).ToString("F0")))}).

            What the figures mean: each request goes through the real intake (Relay.Intake's Program, Razor Pages, EF Core on SQLite) in
            memory, through ASP.NET Core's TestServer (WebApplicationFactory, no sockets), in the Production environment; its time runs from
            sending it to having read the whole response, so it is the server's time plus the in-memory hop, which `/health/live` shows.
            The index, `?page=200`, `?lang=es` and `?country=CO` each read the version (for the ETag), count the matching messages, load a page
            of 20 with their senders, recipients and translations, and the filter menus and language menu; the 304 reads only the version.
            A round sends {requests} requests to each page at each concurrency, pages alternated, after a warm-up round; p50, p95 and p99 are over
            the {rounds} rounds' {rounds * requests} requests together, requests/s and CPU the median of the rounds', and the last column shows the spread between rounds.
            CPU ms per request is this process's CPU time over the batch divided by its requests.

            Where the time goes (each page once more, 20 requests one at a time, with EF's command diagnostics on; not counted above;
            SQL time is executing each command and reading its rows, as EF times them):

            | page | SQL commands per request | SQL ms per request |
            | --- | --- | --- |
            {string.Join("\n", profileRows)}

            The index's statements, by time per request:

            | ms per request | per request | statement | SQLite's plan (EXPLAIN QUERY PLAN) |
            | --- | --- | --- | --- |
            {string.Join("\n", statements)}

            Data: {data}; messages to 1–5 unions each, translated into 2–4 languages (titles and bodies from the seed letters in tests/data/seeds),
            published over the last two years, 1 in 50 taken down; `ANALYZE` run after seeding. A new SQLite database in a temp folder
            (WAL, synchronous=NORMAL, as Relay opens it), its schema made by RelaySchema.EnsureAsync.

            Conditions: load average {load}; {Environment.ProcessorCount} cores ({CpuModel()}), shared with whatever else ran on the machine;
            {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, EF Core {Version(typeof(DbContext))}, SQLite {sqlite};
            Release build; {DateTime.UtcNow:yyyy-MM-dd}.
            """;
    }

    private static string Shorten(string sql)
    {
        var text = Escape(sql).Replace("`", "'");
        return text.Length <= 220 ? text : text[..220] + " …";
    }

    private static string Escape(string text) => text.Replace("|", "\\|");
}
