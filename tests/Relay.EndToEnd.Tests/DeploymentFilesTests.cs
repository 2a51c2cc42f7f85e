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

    private static async Task<(int ExitCode, string Output, string Errors)> ComposeConfigAsync(params string[] secrets)
    {
        var start = new ProcessStartInfo("docker-compose", ["-f", "docker-compose.yml", "config"])
        {
            WorkingDirectory = Root,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var name in secrets)
            start.Environment[name] = "placeholder-placeholder-placeholder-placeholder";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, errors);
    }

    [Fact]
    public async Task Docker_compose_accepts_the_compose_file_and_gives_the_link_secret_to_the_services_that_sign_links()
    {
        var (exitCode, config, errors) = await ComposeConfigAsync("RABBITMQ_PASSWORD", "POSTGRES_PASSWORD", "LINKS_SECRET");
        Assert.True(exitCode == 0, errors);
        // Intake and the email worker refuse to start without Links__Secret.
        foreach (var service in new[] { "intake", "delivery" })
        {
            var block = Regex.Match(config, $@"\n  {service}:\n(?<body>(?:    .*\n|\n)*)").Groups["body"].Value;
            Assert.Contains("Links__Secret: placeholder-placeholder", block);
        }

        var (missing, _, refused) = await ComposeConfigAsync("RABBITMQ_PASSWORD", "POSTGRES_PASSWORD");
        Assert.NotEqual(0, missing);
        Assert.Contains("LINKS_SECRET", refused);
    }

    [Fact]
    public void Every_variable_the_compose_file_reads_is_in_the_env_example()
    {
        var compose = File.ReadAllText(Path.Combine(Root, "docker-compose.yml"));
        var example = File.ReadAllText(Path.Combine(Root, ".env.example"));
        var read = Regex.Matches(compose, @"\$\{([A-Z_][A-Z0-9_]*)").Select(m => m.Groups[1].Value).Distinct().ToList();

        Assert.NotEmpty(read);
        Assert.All(read, name => Assert.Matches(new Regex($"(?m)^{name}="), example));
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
