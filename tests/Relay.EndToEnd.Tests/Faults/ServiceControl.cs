using System.Diagnostics;

namespace Relay.EndToEnd.Tests.Faults;

/// <summary>
/// Stops, crashes and starts the local services (RabbitMQ, APY, PostgreSQL) the way
/// deploy/local/lib.sh does, on the instances deploy/local/test.sh started from this checkout.
/// </summary>
public static class ServiceControl
{
    /// <summary>Runs lib.sh functions ("stop_rabbitmq", "crash_service apy; start_apy") and fails with their output if they fail.</summary>
    public static async Task RunAsync(string commands)
    {
        var lib = Path.Combine(RelayProcesses.RepositoryRoot(), "deploy", "local", "lib.sh");
        var start = new ProcessStartInfo("bash", ["-c", $"source \"{lib}\" && {commands}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"'{commands}' failed ({process.ExitCode}): {await output}{await errors}");
    }
}
