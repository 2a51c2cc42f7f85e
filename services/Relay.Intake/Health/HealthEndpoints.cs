using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Relay.Intake;

public static class HealthEndpoints
{
    /// <summary>/health/live: the process answers. /health/ready: the database and the broker answer.</summary>
    public static void MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
    }
}
