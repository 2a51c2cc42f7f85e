using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Storage;

namespace Relay.Intake.Auth;

/// <summary>
/// The local run's first coordinator key: created on first start and written to
/// <see cref="IntakeOptions.CoordinatorKeyFile"/> (readable by its owner only); on later starts the
/// key in that file is kept and its hash registered if the database has no coordinator key yet.
/// </summary>
public sealed class CoordinatorKeyBootstrap(IServiceScopeFactory scopes, IOptions<IntakeOptions> options, ILogger<CoordinatorKeyBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(options.Value.CoordinatorKeyFile);
        string key;
        if (File.Exists(path) && (await File.ReadAllTextAsync(path, cancellationToken)).Trim() is { Length: > 0 } existing)
            key = existing;
        else
        {
            key = ApiKeys.Generate();
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, key + "\n", cancellationToken);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            logger.LogInformation("Created a coordinator key in {Path}", path);
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RelayDb>();
        var hash = ApiKeys.Hash(key);
        // Only into a database without coordinator keys: a key revoked later stays revoked across restarts.
        if (!await db.CoordinatorKeys.AnyAsync(cancellationToken))
        {
            db.CoordinatorKeys.Add(new CoordinatorKey { Id = Guid.NewGuid(), KeyHash = hash, Label = path, CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
