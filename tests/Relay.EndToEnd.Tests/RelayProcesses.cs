using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Relay.EndToEnd.Tests;

/// <summary>
/// The whole relay as a user runs it: every service its own process (the dlls the solution build
/// made), on the real RabbitMQ, Apertium APY and maildev that deploy/local/test.sh starts, in a
/// virtual host and a SQLite database of this test run's own.
/// </summary>
public class RelayProcesses : IAsyncLifetime
{
    public static readonly string[] Services = ["Relay.Intake", "Relay.Translation", "Relay.Moderation", "Relay.Delivery", "Relay.Publication"];
    public static readonly string[] WorkerQueues = ["translate-message", "screen-message", "deliver-message", "sender-summary", "tell-coordinators", "rejection-notice", "publish-message",
        "confirmation-requested", "sign-in-link-requested", "inbound-mail-reply"];

    private readonly List<(string Service, Process Process, string Log)> _processes = [];
    /// <summary>Processes a test killed on purpose: their death is not a failure.</summary>
    private readonly HashSet<Process> _killed = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("relay-e2e-").FullName;
    private readonly string _virtualHost = "relay-e2e-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _linkSecret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private readonly HttpClient _management;

    public string BaseUrl { get; } = $"http://127.0.0.1:{FreePort()}";
    /// <summary>
    /// For runs that measure load, faults or a failover, not moderation: the limits meant for the public
    /// internet lifted (one client sends hundreds of letters to one mail domain) and the moderation rules
    /// that would hold a busy union's letters (rate, duplicate, first message) off.
    /// </summary>
    public static readonly (string Name, string Value)[] UnderLoad =
    [
        ("RateLimits__Enabled", "false"),
        ("Moderation__Disabled", "rate,duplicate,first-message"),
        ("Delivery__PerDomainPerMinute", "100000"),
    ];

    private readonly Dictionary<string, string> _healthUrls = [];

    /// <summary>The health and metrics address (Health__Urls) of a service's latest instance.</summary>
    public string HealthUrl(string service)
    {
        lock (_healthUrls)
            return _healthUrls[service];
    }
    /// <summary>The folder with this run's database, coordinator key and one log per process.</summary>
    public string Folder => _folder;
    public string VirtualHost => _virtualHost;
    public string CoordinatorKey => File.ReadAllText(Path.Combine(_folder, "coordinator.key")).Trim();
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };
    /// <summary>RabbitMQ's management API, signed in as Relay's broker user.</summary>
    public HttpClient Management => _management;
    public RelayApi Api => new(Http, BaseUrl);

    public static string RabbitMqPassword => Environment.GetEnvironmentVariable("RabbitMq__Password") is { Length: > 0 } p ? p
        : throw new InvalidOperationException("RabbitMq__Password is not set: run the tests through deploy/local/test.sh, which starts RabbitMQ.");
    public static string MaildevUrl => Env("RELAY_TEST_MAILDEV", "http://127.0.0.1:1080");

    public RelayProcesses() : this(Env("RELAY_TEST_RABBITMQ_MANAGEMENT", "http://127.0.0.1:15672")) { }

    /// <summary>The relay on another broker (a cluster of the test's own) whose management API is at <paramref name="managementUrl"/>.</summary>
    protected RelayProcesses(string managementUrl)
    {
        _management = new HttpClient { BaseAddress = new Uri(managementUrl) };
        _management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"relay:{RabbitMqPassword}")));
    }

    public virtual async Task InitializeAsync()
    {
        await StartIntakeAsync();
        await StartWorkersAsync();
    }

    /// <summary>A virtual host of this run's own, then the intake, which creates the schema and the coordinator key.</summary>
    public async Task StartIntakeAsync()
    {
        (await _management.PutAsync($"/api/vhosts/{_virtualHost}", null)).EnsureSuccessStatusCode();
        (await _management.PutAsJsonAsync($"/api/permissions/{_virtualHost}/relay", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        Start(Services[0]);
        await WaitAsync("intake ready", async () => (await Http.GetAsync($"{BaseUrl}/health/ready")).IsSuccessStatusCode);
    }

    public async Task StartWorkersAsync()
    {
        foreach (var service in Services.Skip(1))
            Start(service);
        // Messages published before a worker has bound its queue would have nowhere to go.
        await WaitAsync("every worker consuming", async () => (await ConsumersAsync()).Values.All(n => n >= 1));
    }

    /// <summary>How many consumers each worker queue has, as the broker's management API reports them (0 for a queue it does not know).</summary>
    public async Task<Dictionary<string, int>> ConsumersAsync()
    {
        var counts = new Dictionary<string, int>();
        foreach (var queue in WorkerQueues)
        {
            var response = await _management.GetAsync($"/api/queues/{_virtualHost}/{queue}");
            counts[queue] = response.IsSuccessStatusCode
                && (await response.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("consumers", out var consumers) ? consumers.GetInt32() : 0;
        }
        return counts;
    }

    /// <summary>Kills every running instance of a service at once (SIGKILL: no shutdown code runs), as a crash or an OOM kill would.</summary>
    public int Kill(string service, int? instance = null)
    {
        var running = _processes.Where(p => p.Service == service && !p.Process.HasExited).ToList();
        var victims = instance is { } i ? [running[i]] : running;
        foreach (var (_, process, _) in victims)
        {
            _killed.Add(process);
            process.Kill(entireProcessTree: false);
            process.WaitForExit();
        }
        return victims.Count;
    }

    /// <summary>Starts one more instance of a service (a competing consumer, or the restart after a kill).</summary>
    public void Start(string service)
    {
        var root = RepositoryRoot();
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Path.Combine(root, "services", service, "bin", configuration, "net10.0", service + ".dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException($"{dll} is missing: build the solution (dotnet build Relay.sln -c {configuration}) first.");

        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = _folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = BaseUrl;
        start.Environment["urls"] = BaseUrl;
        start.Environment["Storage__ConnectionString"] = $"Data Source={_folder}/relay.db";
        start.Environment["RabbitMq__VirtualHost"] = _virtualHost;
        start.Environment["RabbitMq__Password"] = RabbitMqPassword;
        start.Environment["Apertium__Url"] = Env("RELAY_TEST_APY", "http://127.0.0.1:2737");
        start.Environment["Smtp__Port"] = Env("RELAY_TEST_SMTP_PORT", "1025");
        start.Environment["Intake__CoordinatorKeyFile"] = Path.Combine(_folder, "coordinator.key");
        start.Environment["Publication__PublicBaseUrl"] = BaseUrl;
        start.Environment["Mail__PublicBaseUrl"] = BaseUrl;
        start.Environment["Links__Secret"] = _linkSecret;
        start.Environment["Outbox__PollInterval"] = "00:00:00.200";
        // Each process's health and metrics listener on a port of its own, so that several instances
        // (and several test runs) can run side by side; the intake serves /metrics only there.
        var health = $"http://127.0.0.1:{FreePort()}";
        start.Environment["Health__Urls"] = health;
        lock (_healthUrls)
            _healthUrls[service] = health;
        foreach (var (name, value) in Settings(service))
            start.Environment[name] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {service}");
        var earlier = _processes.Count(p => p.Service == service);
        var path = Path.Combine(_folder, service + (earlier == 0 ? "" : $".{earlier + 1}") + ".log");
        var log = new StreamWriter(path) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add((service, process, path));
    }

    /// <summary>Settings a test fixture gives one service on top of the common ones.</summary>
    protected virtual IEnumerable<(string Name, string Value)> Settings(string service) => [];

    /// <summary>The last lines each service logged, to explain a failure.</summary>
    public string Logs() => string.Join("\n", _processes.Select(p =>
        $"--- {Path.GetFileNameWithoutExtension(p.Log)}\n{string.Join('\n', ReadShared(p.Log).TakeLast(15))}"));

    /// <summary>Every line a service logged, across its instances, with the file each came from.</summary>
    public IEnumerable<(string File, string Line)> LogLines(string service) =>
        _processes.Where(p => p.Service == service).SelectMany(p => ReadShared(p.Log).Select(line => (Path.GetFileName(p.Log), line)));

    /// <summary>A log still being written to, read without disturbing the writer.</summary>
    private static IEnumerable<string> ReadShared(string path)
    {
        if (!File.Exists(path))
            return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
            lines.Add(line);
        return lines;
    }

    /// <summary>
    /// Fails if any service's log holds a secret of this run: the coordinator key, the link secret,
    /// the broker's password, or the keys and tokens a test used.
    /// </summary>
    public void AssertNoSecretsInLogs(params string[] used)
    {
        var secrets = used.Append(CoordinatorKey).Append(_linkSecret).Append(RabbitMqPassword).Where(s => s.Length >= 8).ToList();
        var found = _processes.Select(p => p.Log)
            .SelectMany(path => ReadShared(path).Select((line, i) => (path, line, i)))
            .Where(l => secrets.Any(s => l.line.Contains(s, StringComparison.Ordinal)))
            .Select(l => $"{Path.GetFileName(l.path)}:{l.i + 1}").ToList();
        Assert.True(found.Count == 0, $"secrets in the logs at {string.Join(", ", found)}");
        Assert.True(_processes.Sum(p => File.Exists(p.Log) ? new FileInfo(p.Log).Length : 0) > 1000,
            "the services logged almost nothing: the search would prove nothing");
    }

    public async Task WaitAsync(string what, Func<Task<bool>> condition, int seconds = 90)
    {
        for (var i = 0; i < seconds * 4; i++)
        {
            if (_processes.FirstOrDefault(p => p.Process.HasExited && !_killed.Contains(p.Process)) is { Process: not null } dead)
                throw new InvalidOperationException($"{dead.Service} exited with {dead.Process.ExitCode} while waiting for {what}\n{Logs()}");
            try
            {
                if (await condition())
                    return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"timed out waiting for {what}\n{Logs()}");
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var (_, process, _) in _processes.Where(p => !p.Process.HasExited))
            process.Kill(entireProcessTree: true);
        foreach (var (_, process, _) in _processes)
            await process.WaitForExitAsync();
        // A broker node a test stopped has no virtual host left to delete.
        try { await _management.DeleteAsync($"/api/vhosts/{_virtualHost}"); }
        catch (HttpRequestException) { }
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Relay.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Relay.sln not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;
}
