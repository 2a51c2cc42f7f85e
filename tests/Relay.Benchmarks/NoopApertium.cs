using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Relay.Benchmarks;

/// <summary>
/// An APY-compatible server that translates nothing: /listPairs names every pair among the given
/// languages (ISO 639-3, as APY does) and /translate answers at once with the text it was given
/// (APY's response shape: responseData.translatedText), so the pipeline's own cost shows alone.
/// Relay's ApertiumClient calls only these two (GET listPairs, POST translate form-encoded langpair, q, markUnknown).
/// </summary>
internal sealed class NoopApertium : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _translations;

    public string Url { get; }
    /// <summary>/translate requests answered.</summary>
    public int Translations => Volatile.Read(ref _translations);

    private NoopApertium(WebApplication app, string url) { _app = app; Url = url; }

    public static async Task<NoopApertium> StartAsync(IEnumerable<string> iso6393)
    {
        var codes = iso6393.ToList();
        var pairs = codes.SelectMany(s => codes.Where(t => t != s).Select(t => new { sourceLanguage = s, targetLanguage = t })).ToList();
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0)) { probe.Start(); port = ((IPEndPoint)probe.LocalEndpoint).Port; }
        var url = $"http://127.0.0.1:{port}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        var server = new NoopApertium(app, url);
        app.MapGet("/listPairs", () => Results.Json(new { responseData = pairs, responseDetails = (string?)null, responseStatus = 200 }));
        app.MapMethods("/translate", ["GET", "POST"], async (HttpRequest request) =>
        {
            string? text, pair;
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync();
                (text, pair) = (form["q"], form["langpair"]);
            }
            else
                (text, pair) = (request.Query["q"], request.Query["langpair"]);
            if (text is null || pair is null)
                return Results.Json(new { explanation = "Missing q or langpair", status = "error", code = 400 }, statusCode: 400);
            Interlocked.Increment(ref server._translations);
            return Results.Json(new { responseData = new { translatedText = text }, responseDetails = (string?)null, responseStatus = 200 });
        });
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
