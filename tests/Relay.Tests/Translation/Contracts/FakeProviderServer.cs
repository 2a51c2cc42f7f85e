using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Relay.Translation.Providers;

namespace Relay.Tests.Translation.Contracts;

/// <summary>A request as the fake server received it.</summary>
public sealed record RecordedRequest(
    string Method, string Path, IReadOnlyDictionary<string, string[]> Query, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.GetValueOrDefault(name);
    public string? QueryValue(string name) => Query.TryGetValue(name, out var values) ? values.Single() : null;
    public string[] QueryValues(string name) => Query.GetValueOrDefault(name) ?? [];
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>
/// What the fake answers: a status, a body (JSON unless <paramref name="ContentType"/> says otherwise),
/// optionally a Retry-After, other headers and a delay before answering.
/// </summary>
public sealed record FakeAnswer(int Status, string Body, string? RetryAfter = null, TimeSpan Delay = default,
    IReadOnlyDictionary<string, string>? Headers = null, string? ContentType = null)
{
    public static FakeAnswer Ok(object body) => new(200, JsonSerializer.Serialize(body));
}

/// <summary>
/// A local HTTP server on 127.0.0.1 standing in for a provider's API: it records every request and
/// answers with the API's documented responses (<c>documented</c>), unless a test has scripted the
/// next answers for a path (errors, Retry-After, short answers).
/// </summary>
public sealed class FakeProviderServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<RecordedRequest, FakeAnswer> _documented;
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<(string PathEnd, FakeAnswer Answer)> _scripted = [];
    private readonly Lock _lock = new();

    private FakeProviderServer(WebApplication app, Func<RecordedRequest, FakeAnswer> documented)
    {
        _app = app;
        _documented = documented;
    }

    /// <summary>"http://127.0.0.1:port", without a trailing slash.</summary>
    public string Url { get; private set; } = "";

    public IReadOnlyList<RecordedRequest> Requests { get { lock (_lock) return [.. _requests]; } }

    /// <summary>The requests whose path ends with <paramref name="pathEnd"/>.</summary>
    public IReadOnlyList<RecordedRequest> RequestsTo(string pathEnd) =>
        Requests.Where(r => r.Path.EndsWith(pathEnd, StringComparison.Ordinal)).ToList();

    public static async Task<FakeProviderServer> StartAsync(Func<RecordedRequest, FakeAnswer> documented)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeProviderServer(app, documented);
        app.Urls.Add("http://127.0.0.1:0");
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Url = app.Urls.Single().TrimEnd('/');
        return server;
    }

    /// <summary>The next request to a path ending with <paramref name="pathEnd"/> gets this answer instead of the documented one.</summary>
    public FakeProviderServer AnswerNext(string pathEnd, int status, string body, string? retryAfter = null, TimeSpan delay = default)
    {
        lock (_lock) _scripted.Add((pathEnd, new FakeAnswer(status, body, retryAfter, delay)));
        return this;
    }

    /// <summary>The next request to a path ending with <paramref name="pathEnd"/> gets this answer instead of the documented one.</summary>
    public FakeProviderServer AnswerNext(string pathEnd, FakeAnswer answer)
    {
        lock (_lock) _scripted.Add((pathEnd, answer));
        return this;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var request = new RecordedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            context.Request.Query.ToDictionary(q => q.Key, q => q.Value.Select(v => v ?? "").ToArray()),
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            await reader.ReadToEndAsync(context.RequestAborted));

        FakeAnswer? answer = null;
        lock (_lock)
        {
            _requests.Add(request);
            var index = _scripted.FindIndex(s => request.Path.EndsWith(s.PathEnd, StringComparison.Ordinal));
            if (index >= 0)
            {
                answer = _scripted[index].Answer;
                _scripted.RemoveAt(index);
            }
        }
        answer ??= _documented(request);

        if (answer.Delay > TimeSpan.Zero)
        {
            try { await Task.Delay(answer.Delay, context.RequestAborted); }
            catch (OperationCanceledException) { return; } // the client gave up on this attempt
        }
        context.Response.StatusCode = answer.Status;
        if (answer.RetryAfter is not null)
            context.Response.Headers.RetryAfter = answer.RetryAfter;
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
            context.Response.Headers[name] = value;
        context.Response.ContentType = answer.ContentType ?? "application/json; charset=utf-8";
        await context.Response.WriteAsync(answer.Body);
    }

    public async ValueTask DisposeAsync()
    {
        // Bounded: a request the client abandoned must not hold the test run.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Task.Run(() => _app.StopAsync(timeout.Token)).WaitAsync(TimeSpan.FromSeconds(15));
        await _app.DisposeAsync();
    }
}

/// <summary>Builds providers the way the service does: <see cref="ProviderRegistration.AddOptionalProviders"/> over configuration.</summary>
public static class ProviderHost
{
    /// <summary>Backoff shortened so retry tests take milliseconds; everything else as configured in production.</summary>
    public static Dictionary<string, string?> FastRetries(string section) => new()
    {
        [$"{section}:BaseDelay"] = "00:00:00.010",
        [$"{section}:MaxDelay"] = "00:00:00.050",
    };

    public static ServiceProvider Build(IDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddOptionalProviders(configuration);
        return services.BuildServiceProvider();
    }

    public static ITranslationProvider Provider(this ServiceProvider services, string name) =>
        services.GetServices<ITranslationProvider>().Single(p => p.Name == name);

    /// <summary>"Sentence 1 of text 3 says …" repeated to about <paramref name="length"/> characters.</summary>
    public static string Sentences(int text, int length)
    {
        var builder = new System.Text.StringBuilder();
        for (var i = 1; builder.Length < length; i++)
            builder.Append($"Sentence {i} of text {text} sends solidarity to the strikers. ");
        return builder.ToString().TrimEnd();
    }
}
