using System.Text.Json;
using Microsoft.Playwright;

namespace Relay.EndToEnd.Tests;

/// <summary>What the browser tests share: Debian's Chromium, axe-core from npm, and where screenshots go.</summary>
public static class Browsers
{
    /// <summary>Debian's package; Playwright's own browsers cannot be downloaded here (RELAY_TEST_CHROMIUM to use another).</summary>
    public static string Chromium => Environment.GetEnvironmentVariable("RELAY_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>axe-core's script, which deploy/local/lib.sh installs from npm (RELAY_TEST_AXE to use another).</summary>
    public static string AxeScript => Environment.GetEnvironmentVariable("RELAY_TEST_AXE") is { Length: > 0 } path ? path
        : Path.Combine(RepositoryRoot(), ".relay", "tools", "axe-core", "node_modules", "axe-core", "axe.min.js");

    /// <summary>Where a test's screenshots and audit results are kept (RELAY_TEST_ARTIFACTS/&lt;name&gt;, or under the test output).</summary>
    public static string Artifacts(string name)
    {
        var folder = Path.Combine(Environment.GetEnvironmentVariable("RELAY_TEST_ARTIFACTS") is { Length: > 0 } root ? root
            : Path.Combine(AppContext.BaseDirectory, "TestResults"), name);
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true });

    /// <summary>Injects axe-core from the file npm installed and runs it on the whole page: its violations, each with impact, rule, help and the elements.</summary>
    public static async Task<JsonElement> AuditAsync(IPage page)
    {
        await page.AddScriptTagAsync(new() { Path = AxeScript });
        return await page.EvaluateAsync<JsonElement>("""
            async () => {
                const results = await axe.run(document, { resultTypes: ['violations'] });
                return results.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) }));
            }
            """);
    }

    /// <summary>
    /// Audits each page, keeping the results beside the screenshots; returns the serious and critical
    /// violations. It first audits a page known to fail, so that a clean result means the audit ran.
    /// </summary>
    public static async Task<List<string>> SeriousViolationsAsync(IPage page, string artifacts, Action<string> log, params (string Name, string Url)[] pages)
    {
        Assert.True(File.Exists(AxeScript), $"{AxeScript} is missing: deploy/local/test.sh installs axe-core from npm.");
        var back = page.Url;
        await page.SetContentAsync("<!DOCTYPE html><html><head><title>control</title></head><body><img src=\"x.png\"></body></html>");
        var control = (await AuditAsync(page)).EnumerateArray().Select(v => v.GetProperty("id").GetString()).ToList();
        Assert.Contains("image-alt", control);
        Assert.Contains("html-has-lang", control);

        var failures = new List<string>();
        foreach (var (name, url) in pages)
        {
            await page.GotoAsync(url);
            var violations = await AuditAsync(page);
            await File.WriteAllTextAsync(Path.Combine(artifacts, $"axe-{name}.json"), violations.GetRawText());
            foreach (var v in violations.EnumerateArray())
            {
                var line = $"{url}: {v.GetProperty("impact")} {v.GetProperty("id")} ({v.GetProperty("help")}) at {v.GetProperty("nodes")}";
                log(line);
                if (v.GetProperty("impact").GetString() is "serious" or "critical")
                    failures.Add(line);
            }
        }
        return failures;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Relay.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Relay.sln not found above " + AppContext.BaseDirectory);
    }
}
