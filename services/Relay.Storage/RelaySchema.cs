using Microsoft.EntityFrameworkCore;

namespace Relay.Storage;

/// <summary>Brings a database to the current schema: creates a new one, upgrades an older one.</summary>
public static class RelaySchema
{
    private const string VersionsTable = """
        CREATE TABLE IF NOT EXISTS schema_versions ("Version" integer NOT NULL PRIMARY KEY, "Description" text NOT NULL, "AppliedAt" {0} NOT NULL)
        """;

    /// <summary>Returns the versions applied now (empty when the database was already current).</summary>
    public static async Task<IReadOnlyList<int>> EnsureAsync(RelayDb db, CancellationToken cancellationToken = default)
    {
        if (await db.Database.EnsureCreatedAsync(cancellationToken))
        {
            // Created from the current model: every change is already in it.
            db.SchemaVersions.AddRange(Enumerable.Range(1, SchemaChanges.Latest)
                .Select(v => new SchemaVersion { Version = v, Description = "created with the database", AppliedAt = DateTime.UtcNow }));
            await db.SaveChangesAsync(cancellationToken);
            return [];
        }

        var postgres = db.Database.IsNpgsql();
        // A database from before versioning has no schema_versions table: it is version 1.
        await db.Database.ExecuteSqlRawAsync(string.Format(VersionsTable, postgres ? "timestamp with time zone" : "TEXT"), cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (postgres)
            await db.Database.ExecuteSqlRawAsync("LOCK TABLE schema_versions IN EXCLUSIVE MODE", cancellationToken);
        var applied = await db.SchemaVersions.Select(v => v.Version).ToListAsync(cancellationToken);
        if (applied.Count == 0)
        {
            db.SchemaVersions.Add(new SchemaVersion { Version = 1, Description = "first release", AppliedAt = DateTime.UtcNow });
            applied.Add(1);
        }

        var now = new List<int>();
        foreach (var change in SchemaChanges.All.Where(c => !applied.Contains(c.Version)).OrderBy(c => c.Version))
        {
            await db.Database.ExecuteSqlRawAsync(postgres ? change.Postgres : change.Sqlite, cancellationToken);
            if (!postgres && change.Sqlite.Contains("writable_schema", StringComparison.Ordinal))
                await BumpSqliteSchemaVersion(db, cancellationToken);
            db.SchemaVersions.Add(new SchemaVersion { Version = change.Version, Description = change.Description, AppliedAt = DateTime.UtcNow });
            now.Add(change.Version);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return now;
    }

    /// <summary>After a table's stored definition was edited, every connection must read the schema again.</summary>
    private static async Task BumpSqliteSchemaVersion(RelayDb db, CancellationToken cancellationToken)
    {
        var version = await db.Database.SqlQueryRaw<long>("SELECT schema_version AS \"Value\" FROM pragma_schema_version").SingleAsync(cancellationToken);
        // A PRAGMA takes no parameters; the value is a number read from the database itself.
        var bump = "PRAGMA schema_version = " + (version + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await db.Database.ExecuteSqlRawAsync(bump, cancellationToken);
    }
}
