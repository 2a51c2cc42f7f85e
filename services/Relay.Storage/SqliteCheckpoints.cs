using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Relay.Storage;

/// <summary>
/// Copies SQLite's write-ahead log back into the database file every second, beside the writers
/// rather than in their way. Left to SQLite, the commit that takes the log past
/// wal_autocheckpoint pages copies it and syncs the file itself, and every write queued behind
/// that commit waits for it (the intake benchmark's tail). A PASSIVE checkpoint waits for no one:
/// it copies what no reader still needs and leaves the rest to the next one. SQLite's own
/// checkpoint stays as a backstop at a higher mark (<see cref="SqlitePragmas"/>), for a log no
/// process's timer keeps up with; it then finds most of the log copied already.
/// </summary>
public sealed class SqliteCheckpoints(IServiceScopeFactory scopes, IOptions<StorageOptions> options, ILogger<SqliteCheckpoints> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.IsPostgres)
            return;
        using var timer = new PeriodicTimer(Every);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<RelayDb>();
                await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(PASSIVE)", stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("Copying the write-ahead log into the database failed (tried again in {Every}): {Error}", Every, e.Message);
            }
        }
    }
}
