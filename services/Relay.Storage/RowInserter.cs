using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Relay.Storage;

/// <summary>
/// Adds rows of mapped entities inside the context's current transaction through plain INSERT
/// statements built from the model: the columns, names and value conversions are EF's own (each
/// value bound through its property's type mapping, so a row reads back as if SaveChanges had
/// written it), without change tracking, and with each statement prepared once per transaction.
/// For a path that only adds rows and is hot: the intake's <c>SubmissionWriter</c>, where
/// SaveChanges cost about a tenth of the CPU a request (the intake benchmark's profile).
/// <para>
/// An integer key is left to the database (autoincrement, identity), as SaveChanges leaves it;
/// every other column is written with the entity's value. The entities are not tracked, and a
/// database-generated key is not read back.
/// </para>
/// </summary>
public sealed class RowInserter(RelayDb db) : IAsyncDisposable
{
    private sealed record Column(string Parameter, IClrPropertyGetter Value, RelationalTypeMapping Mapping, bool Nullable);
    private sealed record Statement(string Sql, Column[] Columns);

    private static readonly ConcurrentDictionary<(IModel, Type), Statement> Statements = new();
    private readonly Dictionary<Type, (DbCommand Command, Column[] Columns)> _prepared = [];

    public async Task InsertAsync<T>(T row, CancellationToken cancellationToken = default) where T : class
    {
        if (!_prepared.TryGetValue(typeof(T), out var prepared))
        {
            var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
                ?? throw new InvalidOperationException("Rows are inserted inside a transaction the context has begun.");
            var statement = Statements.GetOrAdd((db.Model, typeof(T)), key => Build(key.Item1, key.Item2, db.GetService<ISqlGenerationHelper>()));
            var command = transaction.Connection!.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = statement.Sql;
            _prepared[typeof(T)] = prepared = (command, statement.Columns);
        }
        var (insert, columns) = prepared;
        insert.Parameters.Clear();
        foreach (var column in columns)
            insert.Parameters.Add(column.Mapping.CreateParameter(insert, column.Parameter, column.Value.GetClrValue(row), column.Nullable));
        try
        {
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (DbException e)
        {
            // As SaveChanges reports a row the database refused (a unique key taken, say).
            throw new DbUpdateException($"Adding a {typeof(T).Name} row failed: {e.Message}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (command, _) in _prepared.Values)
            await command.DisposeAsync();
        _prepared.Clear();
    }

    private static Statement Build(IModel model, Type clrType, ISqlGenerationHelper sql)
    {
        var entity = model.FindEntityType(clrType) ?? throw new InvalidOperationException($"{clrType.Name} is not an entity of the model.");
        var table = entity.GetTableName() ?? throw new InvalidOperationException($"{clrType.Name} is not mapped to a table.");
        if (entity.GetComplexProperties().Any() || entity.GetNavigations().Any(n => n.TargetEntityType.IsOwned()))
            throw new NotSupportedException($"{clrType.Name} has owned or complex parts; add it through SaveChanges.");
        var names = new List<string>();
        var placeholders = new List<string>();
        var columns = new List<Column>();
        foreach (var property in entity.GetProperties())
        {
            if (property.IsPrimaryKey() && (property.ClrType == typeof(long) || property.ClrType == typeof(int)) && property.ValueGenerated.HasFlag(ValueGenerated.OnAdd))
                continue; // the database's autoincrement or identity
            if (property.IsShadowProperty() || property.GetComputedColumnSql() is not null || property.GetDefaultValueSql() is not null)
                throw new NotSupportedException($"{clrType.Name}.{property.Name} is shadow, computed or defaulted by the database; add it through SaveChanges.");
            names.Add(sql.DelimitIdentifier(property.GetColumnName()));
            placeholders.Add(sql.GenerateParameterNamePlaceholder(property.Name));
            columns.Add(new Column(sql.GenerateParameterName(property.Name), property.GetGetter(), property.GetRelationalTypeMapping(), property.IsNullable));
        }
        return new Statement(
            $"INSERT INTO {sql.DelimitIdentifier(table, entity.GetSchema())} ({string.Join(", ", names)}) VALUES ({string.Join(", ", placeholders)})", [.. columns]);
    }
}
