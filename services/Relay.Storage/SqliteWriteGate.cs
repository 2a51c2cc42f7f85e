using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Relay.Storage;

/// <summary>
/// One writer at a time per SQLite file within this process, queued in order and without holding a
/// thread. SQLite allows one writer; left to itself, every other writer of the process waits in
/// SQLite's busy handler, which sleeps in steps of up to 100 ms and serves no one in order (measured
/// in the intake benchmark: p99 0.8–0.9 s at 64 clients). Here a write waits on a semaphore instead
/// and starts the moment the last one ends. Writers in other processes sharing the file still meet
/// SQLite's own lock and busy timeout.
/// <para>
/// A write is a transaction (held from BEGIN IMMEDIATE, which Microsoft.Data.Sqlite issues, to its
/// commit or rollback, or the connection's close should neither be seen) or a statement outside one
/// that is not a query (EF's single-statement SaveChanges, ExecuteUpdate, raw SQL), held until it
/// or its reader is done. Queries never wait: WAL lets them read beside the writer.
/// </para>
/// <para>
/// A writer waits at most <see cref="MaxWait"/>: a flow that writes through a second context inside
/// the first one's transaction could not be served by SQLite either, and then meets SQLite's busy
/// timeout (a passing failure) as it did before the gate, rather than waiting for ever.
/// </para>
/// </summary>
internal sealed class SqliteWriteGate : DbTransactionInterceptor, IDbCommandInterceptor, IDbConnectionInterceptor
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(15);
    private static readonly ConcurrentDictionary<string, SqliteWriteGate> Gates = new(StringComparer.Ordinal);

    /// <summary>The gate of one database file (its full path), shared by every context of the process.</summary>
    public static SqliteWriteGate For(string database) => Gates.GetOrAdd(database, _ => new SqliteWriteGate());

    private SqliteWriteGate() { }

    private readonly SemaphoreSlim _gate = new(1, 1);
    /// <summary>Connections in a write transaction, and statements writing outside one, that hold the gate.</summary>
    private readonly ConcurrentDictionary<Guid, bool> _holders = new();

    // Transactions

    public override InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData,
        InterceptionResult<DbTransaction> result)
    {
        Hold(eventData.ConnectionId, _gate.Wait(MaxWait));
        return result;
    }

    public override async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection,
        TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        Hold(eventData.ConnectionId, await _gate.WaitAsync(MaxWait, cancellationToken));
        return result;
    }

    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result) => result;

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Release(eventData.ConnectionId);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.ConnectionId);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Release(eventData.ConnectionId);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.ConnectionId);
        return Task.CompletedTask;
    }

    public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData)
    {
        // A failed BEGIN holds nothing in SQLite; a failed COMMIT or ROLLBACK leaves the transaction to its disposal.
        if (eventData.Action == "BeginTransaction")
            Release(eventData.ConnectionId);
    }

    public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionFailed(transaction, eventData);
        return Task.CompletedTask;
    }

    // Connections: a transaction disposed without a commit or rollback ends when its connection closes.

    public void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => Release(eventData.ConnectionId);

    public Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
    {
        Release(eventData.ConnectionId);
        return Task.CompletedTask;
    }

    // Statements outside a transaction

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        if (IsLoneWrite(command, eventData))
            Hold(eventData.CommandId, _gate.Wait(MaxWait));
        return result;
    }

    public async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        if (IsLoneWrite(command, eventData))
            Hold(eventData.CommandId, await _gate.WaitAsync(MaxWait, cancellationToken));
        return result;
    }

    public int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        Release(eventData.CommandId);
        return result;
    }

    public ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Release(eventData.CommandId);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        if (IsLoneWrite(command, eventData))
            Hold(eventData.CommandId, _gate.Wait(MaxWait));
        return result;
    }

    public async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        if (IsLoneWrite(command, eventData))
            Hold(eventData.CommandId, await _gate.WaitAsync(MaxWait, cancellationToken));
        return result;
    }

    /// <summary>A write's RETURNING rows are read after it starts: the statement holds SQLite's lock until its reader is done.</summary>
    public InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        Release(eventData.CommandId);
        return result;
    }

    public void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Release(eventData.CommandId);

    public Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.CommandId);
        return Task.CompletedTask;
    }

    public void CommandCanceled(DbCommand command, CommandEndEventData eventData) => Release(eventData.CommandId);

    public Task CommandCanceledAsync(DbCommand command, CommandEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.CommandId);
        return Task.CompletedTask;
    }

    /// <summary>A statement that may write, run outside a transaction this gate already holds for its connection.</summary>
    private bool IsLoneWrite(DbCommand command, CommandEventData eventData) =>
        command.Transaction is null && !_holders.ContainsKey(eventData.ConnectionId) && !IsQuery(command.CommandText);

    internal static bool IsQuery(string sql)
    {
        var text = sql.AsSpan().TrimStart();
        return text.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) || text.StartsWith("PRAGMA", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("EXPLAIN", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Records the holder; one that waited past <see cref="MaxWait"/> goes on without the gate and holds nothing.</summary>
    private void Hold(Guid holder, bool acquired)
    {
        if (acquired && !_holders.TryAdd(holder, true))
            _gate.Release();
    }

    private void Release(Guid holder)
    {
        if (_holders.TryRemove(holder, out _))
            _gate.Release();
    }
}
