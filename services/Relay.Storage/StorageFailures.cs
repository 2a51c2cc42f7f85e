using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Relay.Storage;

public static class StorageFailures
{
    /// <summary>
    /// True when the database could not be reached or used for now (PostgreSQL restarting or shutting
    /// down, a dropped connection, SQLite busy past its timeout), however EF wrapped it. Such a failure
    /// passes: it is worth trying again later. A constraint violation or a concurrency conflict is not one.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        DbUpdateConcurrencyException => false,
        DbUpdateException { InnerException: { } inner } => IsUnavailable(inner),
        // 57P: the server is shutting down or starting; 08: the connection failed.
        PostgresException e => e.IsTransient || e.SqlState.StartsWith("57P", StringComparison.Ordinal) || e.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException e => e.IsTransient || e.InnerException is SocketException or IOException or TimeoutException,
        // SQLITE_BUSY, SQLITE_LOCKED
        SqliteException { SqliteErrorCode: 5 or 6 } => true,
        DbException e => e.IsTransient,
        InvalidOperationException { InnerException: { } inner } => IsUnavailable(inner),
        SocketException or TimeoutException => true,
        _ => false,
    };
}
