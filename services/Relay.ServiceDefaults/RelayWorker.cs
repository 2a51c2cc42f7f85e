using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Relay.ServiceDefaults.Health;

namespace Relay.ServiceDefaults;

/// <summary>
/// A worker is a small web application: its only HTTP is /health/live, /health/ready and /metrics,
/// on Health:Urls (default 127.0.0.1 and the worker's own port). Not ASPNETCORE_URLS: a shell or a
/// test that sets it for the intake must not make every worker try the intake's port.
/// </summary>
public static class RelayWorker
{
    public static WebApplicationBuilder CreateBuilder(string[] args, int defaultPort)
    {
        var builder = WebApplication.CreateSlimBuilder(RelayHost.Arguments(args));
        builder.WebHost.UseUrls(builder.Configuration["Health:Urls"] is { Length: > 0 } urls ? urls : $"http://127.0.0.1:{defaultPort}");
        return builder;
    }

    /// <summary>Builds the worker with its health and metrics endpoints and runs it.</summary>
    public static void BuildAndRun(this WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.MapRelayHealth();
        app.Run();
    }
}
