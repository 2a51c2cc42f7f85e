using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Relay.EndToEnd.Tests;

/// <summary>
/// docker-compose.yml cannot run here (no Docker engine), so it is validated the way
/// docker-compose itself reads it, and every Dockerfile it builds from must exist.
/// </summary>
public partial class DeploymentFilesTests
{
    private static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Relay.sln")))
                    return dir.FullName;
            throw new InvalidOperationException("Relay.sln not found");
        }
    }

    [Fact]
    public async Task Docker_compose_accepts_the_compose_file()
    {
        var start = new ProcessStartInfo("docker-compose", ["-f", "docker-compose.yml", "config", "-q"])
        {
            WorkingDirectory = Root,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["RABBITMQ_PASSWORD"] = "placeholder";
        start.Environment["POSTGRES_PASSWORD"] = "placeholder";
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, errors);
    }

    [Fact]
    public void Every_dockerfile_the_compose_file_names_exists()
    {
        var compose = File.ReadAllText(Path.Combine(Root, "docker-compose.yml"));
        var dockerfiles = DockerfileLine().Matches(compose).Select(m => m.Groups[1].Value.Trim('"', '\'')).Distinct().ToList();

        Assert.NotEmpty(dockerfiles);
        Assert.All(dockerfiles, f => Assert.True(File.Exists(Path.Combine(Root, f)), $"{f} is missing"));
    }

    [GeneratedRegex(@"dockerfile:\s*(\S+)")]
    private static partial Regex DockerfileLine();
}
