using Relay.ServiceDefaults.Health;

namespace Relay.Intake;

public static class HealthEndpoints
{
    /// <summary>/health/live, /health/ready (the database and the broker answer) and /metrics, outside the rate limits.</summary>
    public static void MapHealth(this WebApplication app) => app.MapRelayHealth().DisableRateLimiting();
}
