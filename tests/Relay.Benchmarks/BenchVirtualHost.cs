using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace Relay.Benchmarks;

/// <summary>A RabbitMQ virtual host of one benchmark run's own, made and deleted through the management API.</summary>
internal sealed class BenchVirtualHost : IAsyncDisposable
{
    public string Name { get; } = "relay-bench-" + Guid.NewGuid().ToString("N")[..8];
    public string Password { get; }
    public HttpClient Management { get; }

    private BenchVirtualHost(string managementUrl, string password)
    {
        Password = password;
        Management = new HttpClient { BaseAddress = new Uri(managementUrl) };
        Management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"relay:{password}")));
    }

    /// <param name="scenario">The bench.sh scenario that sets RabbitMq__Password, for the error when it is missing.</param>
    public static async Task<BenchVirtualHost> CreateAsync(string managementUrl, string scenario)
    {
        var password = Environment.GetEnvironmentVariable("RabbitMq__Password") is { Length: > 0 } p ? p
            : throw new InvalidOperationException($"RabbitMq__Password is not set: run deploy/local/bench.sh {scenario}, which sets it.");
        var host = new BenchVirtualHost(managementUrl, password);
        (await host.Management.PutAsync($"/api/vhosts/{host.Name}", null)).EnsureSuccessStatusCode();
        (await host.Management.PutAsJsonAsync($"/api/permissions/{host.Name}/relay", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await Management.DeleteAsync($"/api/vhosts/{Name}");
        Management.Dispose();
    }
}
