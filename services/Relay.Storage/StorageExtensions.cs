using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Relay.Storage;

public static class StorageExtensions
{
    /// <summary>Registers <see cref="RelayDb"/> on the provider named by the "Storage" section.</summary>
    public static IServiceCollection AddRelayStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection("Storage"));
        services.AddSingleton<OutboxSignal>();
        // The options are built once: built per scope, every request (a health check's included) paid
        // for parsing the connection string and creating the database's folder again.
        services.AddDbContext<RelayDb>((sp, db) =>
            Configure(db, sp.GetRequiredService<IOptions<StorageOptions>>().Value), optionsLifetime: ServiceLifetime.Singleton);
        services.AddHostedService<DatabaseInitializer>();
        services.AddHostedService<SqliteCheckpoints>();
        return services;
    }

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder db, StorageOptions options)
    {
        if (options.IsPostgres)
            return db.UseNpgsql(options.ConnectionString);

        var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
        var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
        ReserveThreadsForSqlite();
        return db.UseSqlite(builder.ToString()).AddInterceptors(SqlitePragmas.Instance, SqliteWriteGate.For(Path.GetFullPath(builder.DataSource)));
    }

    private static int _threadsReserved;

    /// <summary>
    /// Microsoft.Data.Sqlite has no asynchronous I/O: every call, the "async" ones included, holds
    /// its thread, and a write waiting for another's lock sleeps in SQLite's busy handler. With the
    /// thread pool's default floor (one thread per core), a dozen consumers writing at once leave no
    /// thread for the continuations of SMTP or HTTP replies, which then wait for the pool to grow
    /// (measured in the delivery benchmark: 72% of the raw rate against a mail server answering in
    /// 20 ms, 79% with this floor). The floor is raised once per process.
    /// </summary>
    private static void ReserveThreadsForSqlite()
    {
        if (Interlocked.Exchange(ref _threadsReserved, 1) == 1)
            return;
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), io);
    }
}

/// <summary>
/// Per-connection SQLite settings: several Relay processes share one file. They belong to the
/// database connection underneath (SQLite's handle), which the pool keeps open between uses, so they
/// are applied once per handle rather than at every open (about one open per database operation).
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();
    private static readonly ConditionalWeakTable<object, object> Applied = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        var handle = (connection as SqliteConnection)?.Handle;
        if (handle is not null && Applied.TryGetValue(handle, out _))
            return;
        using var command = connection.CreateCommand();
        // WAL lets readers go on while one process writes; busy_timeout makes SQLite itself wait for
        // the lock (in small steps) rather than failing at once when another process holds it.
        // wal_autocheckpoint: the log is copied back by SqliteCheckpoints beside the writers; a
        // commit does it itself only past 10,000 pages (40 MB) rather than SQLite's 1,000, which at
        // a few thousand messages a second held every write behind a copy several times a second.
        // No mmap_size: memory-mapped reads cost more here than the reads they save (page faults,
        // and a copy of each mapped page a write changes: the intake benchmark, 1,250 against
        // 1,430 messages a second).
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=10000;";
        command.ExecuteNonQuery();
        if (handle is not null)
            Applied.AddOrUpdate(handle, Instance);
    }
}
