using Microsoft.EntityFrameworkCore;
using Npgsql;
using Relay.Storage;

namespace Relay.Tests.Support;

/// <summary>A fresh database for one test class: a SQLite file in a temp folder, or a new PostgreSQL database.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _folder;
    private readonly string? _postgresName;

    public StorageOptions Options { get; }

    private TestDatabase(StorageOptions options, string? folder, string? postgresName) =>
        (Options, _folder, _postgresName) = (options, folder, postgresName);

    public static async Task<TestDatabase> CreateAsync(string provider = "sqlite", bool empty = false)
    {
        TestDatabase database;
        if (provider == "postgres")
        {
            var name = "relay_test_" + Guid.NewGuid().ToString("N")[..12];
            database = new TestDatabase(new StorageOptions
            {
                Provider = "postgres",
                ConnectionString = new NpgsqlConnectionStringBuilder(LocalServices.Postgres) { Database = name }.ToString(),
            }, null, name);
        }
        else
        {
            var folder = Directory.CreateTempSubdirectory("relay-test-").FullName;
            database = new TestDatabase(new StorageOptions { ConnectionString = $"Data Source={folder}/relay.db" }, folder, null);
        }
        if (empty)
        {
            // A database without tables (a SQLite file appears on first use).
            if (provider == "postgres")
            {
                await using var server = new NpgsqlConnection(LocalServices.Postgres);
                await server.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database._postgresName}\"", server);
                await create.ExecuteNonQueryAsync();
            }
            return database;
        }
        await using var db = database.Open();
        await RelaySchema.EnsureAsync(db);
        return database;
    }

    public RelayDb Open(OutboxSignal? signal = null)
    {
        var builder = new DbContextOptionsBuilder<RelayDb>();
        StorageExtensions.Configure(builder, Options);
        return new RelayDb(builder.Options, signal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgresName is not null)
        {
            await using var db = Open();
            await db.Database.EnsureDeletedAsync();
        }
        if (_folder is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
        }
    }
}
