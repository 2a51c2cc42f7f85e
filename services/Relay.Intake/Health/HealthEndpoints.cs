using System.Net;
using Relay.ServiceDefaults.Health;

namespace Relay.Intake;

public static class HealthEndpoints
{
    /// <summary>
    /// /health/live and /health/ready (the database and the broker answer) on every address, outside
    /// the rate limits. /metrics never on the public address: it tells the world the traffic, the
    /// queues and the unions' delivery failures. It is served on the address of Health:Urls when
    /// that is set (a second listener, <see cref="ListenAddresses"/>), else only to loopback callers.
    /// </summary>
    public static void MapHealth(this WebApplication app)
    {
        app.MapRelayHealthChecks().DisableRateLimiting();
        var metricsPort = MetricsPort(app.Configuration);
        app.UseOpenTelemetryPrometheusScrapingEndpoint(http => http.Request.Path == "/metrics" && MayScrape(http.Connection, metricsPort));
    }

    /// <summary>The intake's listeners: its public address(es) and, when set, Health:Urls for /metrics.</summary>
    public static string ListenAddresses(IConfiguration configuration)
    {
        // The local run listens on loopback:8080 unless told otherwise (--urls or ASPNETCORE_URLS).
        var urls = configuration["urls"] is { Length: > 0 } given ? given : "http://127.0.0.1:8080";
        return configuration["Health:Urls"] is { Length: > 0 } health ? $"{urls};{health}" : urls;
    }

    /// <summary>The port of Health:Urls, or null when it is not set.</summary>
    public static int? MetricsPort(IConfiguration configuration) =>
        configuration["Health:Urls"] is { Length: > 0 } health
            ? new Uri(health.Split(';')[0].Replace("*", "localhost").Replace("+", "localhost")).Port
            : null;

    /// <summary>Who may read /metrics: a request to the metrics port, or from this machine when there is none.</summary>
    public static bool MayScrape(ConnectionInfo connection, int? metricsPort) => metricsPort is { } port
        ? connection.LocalPort == port
        : connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);
}
