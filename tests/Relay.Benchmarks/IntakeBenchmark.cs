using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Relay.Benchmarks;

/// <summary>
/// Intake under load: POST /api/messages against the real intake process (Kestrel, the built dll,
/// SQLite and then PostgreSQL), beside two baselines in the same run: the same process answering
/// /health/live, and the same rows (the message, its recipient, its outbox event) inserted through
/// plain ADO.NET into the same database, one writer at a time on SQLite. Each way runs for a fixed
/// time at each number of concurrent clients (each client sends its next request when its last
/// is answered); latency is from sending a request to having read its answer.
/// </summary>
public static class IntakeBenchmark
{
    /// <param name="CpuMsPerRequest">The intake process's CPU time (user and system) per request, when the way ran on it.</param>
    /// <param name="DrainSeconds">How long the outbox took, after the last request, to publish every event the way's requests stored.</param>
    private sealed record Row(string What, string Storage, int Clients, int Requests, double Seconds, double[] LatenciesMs, double? CpuMsPerRequest = null,
        double? DrainSeconds = null)
    {
        public double Rate => Requests / Seconds;
        /// <summary>Requests whose events were also published, a second: the rate the intake can keep up.</summary>
        public double? SustainedRate => DrainSeconds is { } drain ? Requests / (Seconds + drain) : null;
    }

    public static async Task<int> RunAsync(int seconds, int warmUp, int[] concurrencies, string postgres, string rabbitHost, int rabbitPort, string managementUrl, string output)
    {
        await using var vhost = await BenchVirtualHost.CreateAsync(managementUrl, "intake");
        var (virtualHost, password, management) = (vhost.Name, vhost.Password, vhost.Management);
        // The submitted events need a queue to go to (they are published as mandatory), as the translation worker's would be.
        (await management.PutAsJsonAsync($"/api/exchanges/{virtualHost}/Relay.Contracts:MessageSubmitted", new { type = "fanout", durable = true })).EnsureSuccessStatusCode();
        (await management.PutAsJsonAsync($"/api/queues/{virtualHost}/bench-submitted", new { durable = true, arguments = new Dictionary<string, object> { ["x-queue-type"] = "quorum" } })).EnsureSuccessStatusCode();
        (await management.PostAsJsonAsync($"/api/bindings/{virtualHost}/e/Relay.Contracts:MessageSubmitted/q/bench-submitted", new { routing_key = "" })).EnsureSuccessStatusCode();
        var folder = Directory.CreateTempSubdirectory("relay-bench-intake-").FullName;
        var rows = new List<Row>();
        try
        {
            var storages = new List<(string Name, string Provider, string ConnectionString)> { ("SQLite", "sqlite", $"Data Source={folder}/relay.db") };
            if (postgres.Length > 0)
                storages.Add(("PostgreSQL", "postgres", $"{postgres};Database=relay_bench_{Guid.NewGuid().ToString("N")[..12]}"));
            foreach (var (name, provider, connectionString) in storages)
            {
                Console.WriteLine($"intake benchmark, {name}: {seconds} s at each of {string.Join(", ", concurrencies)} clients");
                (Guid Sender, Guid Recipient) unions;
                await using (var intake = await IntakeProcess.StartAsync(folder, provider, connectionString, virtualHost, password, rabbitHost, rabbitPort, managementUrl))
                {
                    unions = await intake.PrepareAsync();
                    var body = JsonSerializer.Serialize(new { recipients = new[] { unions.Recipient }, title = "Solidarity with the striking miners", body = Letter, language = "en" });
                    HttpRequestMessage Submit() => new(HttpMethod.Post, intake.Url + "/api/messages")
                    {
                        Content = new StringContent(body, Encoding.UTF8, "application/json"),
                        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", intake.SenderKey) },
                    };
                    // A process that runs for days is measured, not one still compiling: .NET recompiles hot
                    // methods in tiers for the first minute or so, which on 2 cores took a quarter of the CPU.
                    Console.WriteLine($"  warming up: {warmUp} s of submissions from 16 clients");
                    await RunClientsAsync(16, TimeSpan.FromSeconds(warmUp), async () => await SendAsync(intake.Http, Submit(), HttpStatusCode.Accepted));
                    Func<Task<long>> pending = () => PendingEventsAsync(provider == "postgres", connectionString);
                    await DrainAsync(pending);
                    foreach (var clients in concurrencies)
                    {
                        rows.Add(await LoadAsync("the same host: GET /health/live", name, clients, seconds, intake, () => new HttpRequestMessage(HttpMethod.Get, intake.Url + "/health/live"), HttpStatusCode.OK));
                        rows.Add(await LoadAsync("Relay: POST /api/messages", name, clients, seconds, intake, Submit, HttpStatusCode.Accepted, pending));
                        Console.WriteLine(string.Join("\n", rows.TakeLast(2).Select(r =>
                            $"  {r.What}, {r.Clients} clients: {r.Rate:F0}/s, p99 {Stats.Percentile(r.LatenciesMs, 0.99):F1} ms, CPU {r.CpuMsPerRequest:F2} ms a request" + (r.DrainSeconds is { } d ? $", outbox drained {d:F1} s after" : ""))));
                    }
                }
                // The same database, the intake stopped: its schema and its two unions.
                foreach (var clients in concurrencies)
                {
                    rows.Add(await PlainInsertAsync(name, provider, connectionString, unions, clients, seconds));
                    Console.WriteLine($"  plain ADO.NET insert, {clients} clients: {rows[^1].Rate:F0}/s");
                }
            }
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }

        var report = Report(rows, seconds, warmUp, concurrencies);
        Console.WriteLine(report);
        if (output.Length > 0)
        {
            var chart = Path.ChangeExtension(output, ".svg");
            await File.WriteAllTextAsync(chart, Chart(rows, concurrencies));
            await File.WriteAllTextAsync(output, report + $"\n\n![Throughput and p99 latency against concurrent clients]({Path.GetFileName(chart)})\n");
        }
        return 0;
    }

    /// <summary>About a kilobyte, as a short letter is.</summary>
    private static readonly string Letter = string.Join(" ", Enumerable.Repeat(
        "Dear colleagues, the miners of our union send you their fullest solidarity in your strike for safe work and fair pay.", 8));

    /// <summary>
    /// One way at one number of clients. With <paramref name="pending"/> (submissions), the way ends when the
    /// outbox has published every event its requests stored, and the intake's CPU time includes that work.
    /// </summary>
    private static async Task<Row> LoadAsync(string what, string storage, int clients, int seconds, IntakeProcess intake, Func<HttpRequestMessage> request,
        HttpStatusCode expected, Func<Task<long>>? pending = null)
    {
        await RunClientsAsync(clients, TimeSpan.FromSeconds(1), async () => await SendAsync(intake.Http, request(), expected)); // warm-up
        if (pending is not null)
            await DrainAsync(pending);
        var cpu = intake.CpuTime;
        var (count, elapsed, latencies) = await RunClientsAsync(clients, TimeSpan.FromSeconds(seconds), async () => await SendAsync(intake.Http, request(), expected));
        double? drain = pending is null ? null : await DrainAsync(pending);
        return new Row(what, storage, clients, count, elapsed, latencies, (intake.CpuTime - cpu).TotalMilliseconds / count, drain);
    }

    /// <summary>Waits until the outbox has no event left to publish; the seconds it took.</summary>
    private static async Task<double> DrainAsync(Func<Task<long>> pending)
    {
        var clock = Stopwatch.StartNew();
        while (await pending() > 0)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(3))
                throw new TimeoutException("the intake's outbox did not publish its events within 3 minutes");
            await Task.Delay(20);
        }
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task<long> PendingEventsAsync(bool postgres, string connectionString)
    {
        await using var connection = Open(postgres, connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT COUNT(*) FROM outbox WHERE "DispatchedAt" IS NULL""";
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static async Task SendAsync(HttpClient http, HttpRequestMessage request, HttpStatusCode expected)
    {
        using var _ = request;
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != expected)
            throw new InvalidOperationException($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}, not {(int)expected}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Runs <paramref name="clients"/> loops of <paramref name="operation"/> for the duration; every operation's latency.</summary>
    private static async Task<(int Count, double Seconds, double[] LatenciesMs)> RunClientsAsync(int clients, TimeSpan duration, Func<Task> operation)
    {
        var latencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                var started = clock.Elapsed.TotalMilliseconds;
                await operation();
                latencies.Add(clock.Elapsed.TotalMilliseconds - started);
            }
        }));
        return (latencies.Count, clock.Elapsed.TotalSeconds, [.. latencies]);
    }

    /// <summary>
    /// The rows intake writes for one message (the message, its recipient, its MessageSubmitted
    /// event in the outbox) in one transaction through plain ADO.NET: on SQLite one writer at a time
    /// (a semaphore, as SQLite allows one), on PostgreSQL from every client at once.
    /// </summary>
    private static async Task<Row> PlainInsertAsync(string storage, string provider, string connectionString, (Guid Sender, Guid Recipient) unions, int clients, int seconds)
    {
        var postgres = provider == "postgres";
        var insertMessage = await InsertStatementAsync(postgres, connectionString);
        var writer = new SemaphoreSlim(1, 1);
        async Task InsertAsync()
        {
            if (!postgres)
                await writer.WaitAsync();
            try
            {
                await using var connection = Open(postgres, connectionString);
                await connection.OpenAsync();
                if (!postgres)
                    await ExecuteAsync(connection, null, "PRAGMA synchronous = NORMAL"); // as Relay sets it on each connection (WAL is the file's)
                await using var transaction = await connection.BeginTransactionAsync();
                var id = Guid.CreateVersion7(); // time-ordered, as Relay's message and event ids
                var now = DateTime.UtcNow;
                await ExecuteAsync(connection, transaction, insertMessage, ("Id", id), ("SenderUnionId", unions.Sender), ("Title", "Solidarity with the striking miners"),
                    ("Body", Letter), ("Language", "en"), ("Status", "received"), ("ReceivedAt", now), ("UpdatedAt", now), ("Channel", "api"));
                await ExecuteAsync(connection, transaction, """INSERT INTO message_recipients ("MessageId", "UnionId") VALUES (@MessageId, @UnionId)""",
                    ("MessageId", id), ("UnionId", unions.Recipient));
                await ExecuteAsync(connection, transaction, """INSERT INTO outbox ("EventId", "EventType", "Payload", "CreatedAt", "Attempts") VALUES (@EventId, @EventType, @Payload, @CreatedAt, 0)""",
                    ("EventId", Guid.CreateVersion7()), ("EventType", "Relay.Contracts.MessageSubmitted"),
                    ("Payload", JsonSerializer.Serialize(new { messageId = id, senderUnionId = unions.Sender, recipientUnionIds = new[] { unions.Recipient }, language = "en", submittedAt = now })),
                    ("CreatedAt", now));
                await transaction.CommitAsync();
            }
            finally
            {
                if (!postgres)
                    writer.Release();
            }
        }
        await RunClientsAsync(clients, TimeSpan.FromSeconds(1), InsertAsync);
        var (count, elapsed, latencies) = await RunClientsAsync(clients, TimeSpan.FromSeconds(seconds), InsertAsync);
        return new Row(postgres ? "plain ADO.NET insert, every client at once" : "plain ADO.NET insert, one writer at a time", storage, clients, count, elapsed, latencies);
    }

    private static DbConnection Open(bool postgres, string connectionString) =>
        postgres ? new NpgsqlConnection(connectionString)
            : new SqliteConnection(connectionString + ";Pooling=True") { DefaultTimeout = 30 };

    /// <summary>
    /// The INSERT for a message row with the values the benchmark gives, every other required column
    /// without a default set to an empty value of its type, read from the database's own schema.
    /// </summary>
    private static async Task<string> InsertStatementAsync(bool postgres, string connectionString)
    {
        string[] given = ["Id", "SenderUnionId", "Title", "Body", "Language", "Status", "ReceivedAt", "UpdatedAt", "Channel"];
        await using var connection = Open(postgres, connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = postgres
            ? "SELECT column_name, data_type, is_nullable = 'NO' AND column_default IS NULL FROM information_schema.columns WHERE table_name = 'messages'"
            : "SELECT name, type, \"notnull\" = 1 AND dflt_value IS NULL FROM pragma_table_info('messages')";
        var columns = new List<string>();
        var values = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
            {
                var (name, type, required) = (reader.GetString(0), reader.GetString(1).ToLowerInvariant(), reader.GetBoolean(2));
                if (given.Contains(name))
                    (columns, values) = ([.. columns, $"\"{name}\""], [.. values, "@" + name]);
                else if (required)
                    (columns, values) = ([.. columns, $"\"{name}\""], [.. values,
                        type.Contains("bool") ? "false" : type.Contains("int") || type.Contains("real") || type.Contains("double") || type.Contains("numeric") ? "0"
                        : type == "array" ? "'{}'" : "'[]'"]);
            }
        return $"INSERT INTO messages ({string.Join(", ", columns)}) VALUES ({string.Join(", ", values)})";
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        await command.ExecuteNonQueryAsync();
    }

    private static string Chart(List<Row> rows, int[] concurrencies)
    {
        var ways = rows.Select(r => (r.Storage, r.What)).Distinct().ToList();
        SvgChart.Series Line(string storage, string what, Func<Row, double> value) => new($"{storage}: {what}",
            concurrencies.Select(c => value(rows.Single(r => r.Storage == storage && r.What == what && r.Clients == c))).ToList());
        return SvgChart.Render("Intake: POST /api/messages against its baselines", "concurrent clients", concurrencies.Select(c => c.ToString()).ToList(),
        [
            new("Throughput", "requests a second", ways.Where(w => !w.What.Contains("health")).Select(w => Line(w.Storage, w.What, r => r.Rate)).ToList()),
            new("p99 latency", "ms", ways.Select(w => Line(w.Storage, w.What, r => Stats.Percentile(r.LatenciesMs, 0.99))).ToList()),
        ]);
    }

    private static string Report(List<Row> rows, int seconds, int warmUp, int[] concurrencies)
    {
        var text = new StringBuilder();
        text.AppendLine("| storage | what | clients | requests per second | p50 ms | p99 ms | of the plain insert | published too, a second | intake CPU ms a request |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var row in rows.OrderBy(r => r.Storage != "SQLite").ThenBy(r => r.What).ThenBy(r => r.Clients))
        {
            var plain = rows.Single(r => r.Storage == row.Storage && r.Clients == row.Clients && r.What.StartsWith("plain", StringComparison.Ordinal));
            text.AppendLine($"| {row.Storage} | {row.What} | {row.Clients} | {row.Rate:F0} | {Stats.Percentile(row.LatenciesMs, 0.5):F2} | {Stats.Percentile(row.LatenciesMs, 0.99):F2} | " +
                (row.What.StartsWith("Relay", StringComparison.Ordinal) ? $"{row.Rate / plain.Rate:P0}" : "") + $" | {row.SustainedRate:F0} | {row.CpuMsPerRequest:F2} |");
        }
        text.AppendLine();
        foreach (var storage in rows.Select(r => r.Storage).Distinct())
        {
            var top = concurrencies.Max();
            var relay = rows.Single(r => r.Storage == storage && r.Clients == top && r.What.StartsWith("Relay", StringComparison.Ordinal));
            var plain = rows.Single(r => r.Storage == storage && r.Clients == top && r.What.StartsWith("plain", StringComparison.Ordinal));
            var goal = storage == "SQLite" ? 0.5 : 0.8;
            text.AppendLine($"{storage}, {top} clients: Relay accepts {relay.Rate:F0} messages a second, {relay.Rate / plain.Rate:P0} of the plain insert " +
                $"(goal at least {goal:P0}: {(relay.Rate / plain.Rate >= goal ? "met" : "missed")}), p99 {Stats.Percentile(relay.LatenciesMs, 0.99):F1} ms" +
                (storage == "SQLite" ? $" (goal under 50 ms: {(Stats.Percentile(relay.LatenciesMs, 0.99) < 50 ? "met" : "missed")})." : "."));
        }
        text.AppendLine();
        text.Append($"""
            Conditions: {seconds} s a way at each number of clients after a 1 s warm-up, the ways one after the other, once the
            intake process had taken submissions from 16 clients for {warmUp} s; the load
            generator (HttpClient, one connection per client) on the same {Environment.ProcessorCount} cores as the intake
            (Release build of services/Relay.Intake, Kestrel on 127.0.0.1, rate limits off, its outbox dispatcher publishing
            to a quorum queue on the local RabbitMQ); letters of {Letter.Length} characters to one union; .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd}.
            """);
        return text.ToString();
    }

    /// <summary>The intake as it is deployed: the built dll in a process of its own.</summary>
    private sealed class IntakeProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _folder;

        public string Url { get; }
        public HttpClient Http { get; } = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(60) };
        public string SenderKey { get; private set; } = "";
        /// <summary>The CPU time the intake process has used so far, its outbox dispatcher's included.</summary>
        public TimeSpan CpuTime
        {
            get
            {
                _process.Refresh();
                return _process.TotalProcessorTime;
            }
        }

        private IntakeProcess(Process process, string url, string folder) => (_process, Url, _folder) = (process, url, folder);

        public static async Task<IntakeProcess> StartAsync(string folder, string provider, string connectionString, string virtualHost, string password,
            string rabbitHost, int rabbitPort, string managementUrl)
        {
            var root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "Relay.sln")))
                root = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar)) ?? throw new InvalidOperationException("Relay.sln not found");
            var dll = Path.Combine(root, "services", "Relay.Intake", "bin", "Release", "net10.0", "Relay.Intake.dll");
            using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var url = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
            probe.Stop();
            var start = new ProcessStartInfo("dotnet", [dll]) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var (name, value) in new Dictionary<string, string>
            {
                ["DOTNET_ENVIRONMENT"] = "Production", ["ASPNETCORE_URLS"] = url,
                ["Storage__Provider"] = provider, ["Storage__ConnectionString"] = connectionString,
                ["RabbitMq__Host"] = rabbitHost, ["RabbitMq__Port"] = rabbitPort.ToString(), ["RabbitMq__VirtualHost"] = virtualHost,
                ["RabbitMq__Password"] = password, ["RabbitMq__ManagementUrl"] = managementUrl,
                ["Intake__CoordinatorKeyFile"] = Path.Combine(folder, "coordinator.key"),
                ["Links__Secret"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
                ["RateLimits__Enabled"] = "false", ["RateLimits__RecipientsPerUnionPerDay"] = "100000000",
                ["Logging__LogLevel__Default"] = "Warning",
            })
                start.Environment[name] = value;
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"intake: {e.Data}"); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var intake = new IntakeProcess(process, url, folder);
            for (var i = 0; ; i++)
            {
                try
                {
                    if ((await intake.Http.GetAsync(url + "/health/ready")).IsSuccessStatusCode)
                        return intake;
                }
                catch (HttpRequestException) { }
                if (process.HasExited || i > 240)
                    throw new InvalidOperationException($"the intake did not get ready (exit {(process.HasExited ? process.ExitCode : -1)})");
                await Task.Delay(250);
            }
        }

        /// <summary>Adds a sending and a receiving union; the sender's key signs the load's requests.</summary>
        public async Task<(Guid Sender, Guid Recipient)> PrepareAsync()
        {
            var coordinator = (await File.ReadAllTextAsync(Path.Combine(_folder, "coordinator.key"))).Trim();
            async Task<JsonElement> Add(string name, string language)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, Url + "/api/unions")
                {
                    Content = JsonContent.Create(new { name, country = "CO", languages = new[] { language }, email = $"{Guid.NewGuid():N}@unions.example.org" }),
                    Headers = { Authorization = new AuthenticationHeaderValue("Bearer", coordinator) },
                };
                using var response = await Http.SendAsync(request);
                response.EnsureSuccessStatusCode();
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }
            var sender = await Add("International Miners' Coordination", "en");
            var recipient = await Add("Sintracarbón", "es");
            SenderKey = sender.GetProperty("apiKey").GetString()!;
            return (sender.GetProperty("id").GetGuid(), recipient.GetProperty("id").GetGuid());
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            if (!_process.HasExited)
                _process.Kill();
            await _process.WaitForExitAsync();
        }
    }
}
