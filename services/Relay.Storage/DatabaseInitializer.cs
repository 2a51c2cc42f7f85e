using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Relay.Storage;

/// <summary>
/// Creates the schema when the database is new and upgrades an older one (<see cref="RelaySchema"/>). Every service runs it at start, before the bus
/// starts; several processes may race on a new database, so a failure is retried once the others
/// have had time to finish.
/// </summary>
public sealed class DatabaseInitializer(IServiceScopeFactory scopes, ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<RelayDb>();
                var applied = await RelaySchema.EnsureAsync(db, cancellationToken);
                if (applied.Count > 0)
                    logger.LogInformation("Upgraded the database schema to version {Version}", applied.Max());
                return;
            }
            catch (Exception e) when (attempt < 30 && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Database not ready (attempt {Attempt}): {Error}", attempt, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
