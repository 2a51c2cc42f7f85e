using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Relay.ServiceDefaults.Health;

public static class HealthEndpoints
{
    /// <summary>A worker's whole HTTP surface: its health checks and /metrics.</summary>
    public static RouteGroupBuilder MapRelayHealth(this IEndpointRouteBuilder endpoints)
    {
        var app = endpoints.MapRelayHealthChecks();
        app.MapPrometheusScrapingEndpoint();
        return app;
    }

    /// <summary>
    /// /health/live: the process answers. /health/ready: every check tagged "ready" (the database,
    /// the broker and whatever else this service depends on) answers.
    /// </summary>
    public static RouteGroupBuilder MapRelayHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        var app = endpoints.MapGroup("");
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            // The bus reports Degraded while its connection is down: not ready to take messages on.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        return app;
    }
}
