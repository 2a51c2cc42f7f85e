namespace Relay.Storage;

/// <summary>Where Relay keeps its state. SQLite under .relay/ by default; PostgreSQL by configuration.</summary>
public class StorageOptions
{
    /// <summary>"sqlite" (default, embedded) or "postgres".</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>An ADO.NET connection string for the provider (Storage__ConnectionString).</summary>
    public string ConnectionString { get; set; } = "Data Source=.relay/relay.db";

    public bool IsPostgres => Provider.Equals("postgres", StringComparison.OrdinalIgnoreCase)
        || Provider.Equals("postgresql", StringComparison.OrdinalIgnoreCase);
}
