namespace Relay.ServiceDefaults;

public static class RelayHost
{
    /// <summary>
    /// The command line every Relay service builds its host from. Settings are read once, at start:
    /// reloading appsettings.json on change watches the whole working directory, where the SQLite
    /// database, its WAL and the logs are written, and every write woke the watcher of every process
    /// (measured in the intake benchmark: 8% of the intake's CPU at 64 clients went to the watcher).
    /// A setting given on the command line still wins.
    /// </summary>
    public static string[] Arguments(string[] args) => ["--hostBuilder:reloadConfigOnChange=false", .. args];
}
