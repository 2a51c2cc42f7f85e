using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Relay.Storage;
using Relay.Translation;

namespace Relay.Benchmarks;

/// <summary>
/// The translation stage against Apertium APY itself: the same letters, the same requests
/// (at most 1,000 characters, split on sentences), the same concurrency, in one run. The stage
/// adds what Relay does around APY: reading the message, checking its language, planning, the
/// glossary, the cache and usage rows, storing translations and the outbox event.
/// </summary>
public static class TranslationBenchmark
{
    public static async Task<int> RunAsync(int messages, int concurrency, string apertiumUrl, string output)
    {
        var folder = Directory.CreateTempSubdirectory("relay-bench-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = $"Data Source={folder}/relay.db",
            ["Apertium:Url"] = apertiumUrl,
        }).Build();
        var services = new ServiceCollection()
            .AddLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<IConfiguration>(configuration);
        services.AddRelayStorage(configuration);
        services.AddTranslation(configuration);
        await using var provider = services.BuildServiceProvider();
        await using (var scope = provider.CreateAsyncScope())
            await RelaySchema.EnsureAsync(scope.ServiceProvider.GetRequiredService<RelayDb>());

        var letters = Letters();
        using var apy = new HttpClient { BaseAddress = new Uri(apertiumUrl), Timeout = TimeSpan.FromSeconds(60) };
        Console.WriteLine($"translation benchmark: {messages} letters per round (en→es, {letters.Average(l => l.Body.Length):F0} characters on average), concurrency {concurrency}");

        // Warm APY's eng→spa pipeline (its first request starts it) and the stage's detector.
        await ApyRoundAsync(apy, Batch(letters, "warm", 3 * concurrency), concurrency);
        await StageRoundAsync(provider, Batch(letters, "warm", 3 * concurrency), concurrency);

        // Alternate the two, five rounds each, so drift on the machine falls on both alike.
        var results = new List<(string What, int Round, double Seconds, int Count)>();
        for (var round = 1; round <= 5; round++)
        {
            var apyBatch = Batch(letters, $"apy{round}", messages);
            results.Add(("APY itself", round, await ApyRoundAsync(apy, apyBatch, concurrency), messages));
            var stageBatch = Batch(letters, $"stage{round}", messages);
            results.Add(("translation stage", round, await StageRoundAsync(provider, stageBatch, concurrency), messages));
        }

        var apyRate = Stats.Median(results.Where(r => r.What == "APY itself").Select(r => r.Count / r.Seconds));
        var stageRate = Stats.Median(results.Where(r => r.What == "translation stage").Select(r => r.Count / r.Seconds));
        var report = $"""
            | what | letters per second (median of 5 rounds) | rounds |
            | --- | --- | --- |
            | APY itself, same requests | {apyRate:F1} | {string.Join(", ", results.Where(r => r.What == "APY itself").Select(r => (r.Count / r.Seconds).ToString("F1")))} |
            | Relay's translation stage | {stageRate:F1} | {string.Join(", ", results.Where(r => r.What == "translation stage").Select(r => (r.Count / r.Seconds).ToString("F1")))} |

            The stage runs at {stageRate / apyRate:P0} of APY's own rate: it costs {(apyRate / stageRate - 1):P1} over APY itself.
            Conditions: {messages} letters a round, en→es, {letters.Average(l => l.Body.Length):F0} characters on average (the seed letters,
            numbered so the cache never answers), {concurrency} at a time, SQLite, APY {apertiumUrl}, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}.
            """;
        Console.WriteLine(report);
        if (output.Length > 0)
            await File.WriteAllTextAsync(output, report + "\n");
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        return 0;
    }

    internal sealed record Letter(string Title, string Body);

    /// <summary>Seed letters made unique per round (a number in the title and body), so the cache never answers.</summary>
    private static List<Letter> Batch(IReadOnlyList<Letter> letters, string round, int count) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var letter = letters[i % letters.Count];
            return new Letter($"{letter.Title} ({round}-{i})", $"Letter {round}-{i}.\n\n{letter.Body}");
        }).ToList();

    private static async Task<double> ApyRoundAsync(HttpClient apy, List<Letter> batch, int concurrency)
    {
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (letter, ct) =>
        {
            foreach (var text in new[] { letter.Title, letter.Body })
                foreach (var chunk in TextChunks.Split(text, 1000).Where(c => c.Core.Length > 0))
                {
                    using var form = new FormUrlEncodedContent([new("langpair", "eng|spa"), new("q", chunk.Core), new("markUnknown", "no")]);
                    using var response = await apy.PostAsync("translate", form, ct);
                    response.EnsureSuccessStatusCode();
                    await response.Content.ReadAsStringAsync(ct);
                }
        });
        return stopwatch.Elapsed.TotalSeconds;
    }

    private static async Task<double> StageRoundAsync(IServiceProvider provider, List<Letter> batch, int concurrency)
    {
        var ids = new List<Guid>();
        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<RelayDb>();
            var sender = new Union { Id = Guid.NewGuid(), Name = "Sender", Country = "DE", Languages = ["en"], Email = "s@example.org", ApiKeyHash = Guid.NewGuid().ToString("N"), CreatedAt = DateTime.UtcNow };
            var recipient = new Union { Id = Guid.NewGuid(), Name = "Recipient", Country = "CO", Languages = ["es"], Email = "r@example.org", ApiKeyHash = Guid.NewGuid().ToString("N"), CreatedAt = DateTime.UtcNow };
            db.Unions.AddRange(sender, recipient);
            foreach (var letter in batch)
            {
                var message = new SolidarityMessage
                {
                    Id = Guid.NewGuid(), SenderUnionId = sender.Id, Title = letter.Title, Body = letter.Body, Language = "en",
                    ReceivedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow, Recipients = [new MessageRecipient { UnionId = recipient.Id }],
                };
                db.Messages.Add(message);
                ids.Add(message.Id);
            }
            await db.SaveChangesAsync();
        }

        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (id, ct) =>
        {
            await using var scope = provider.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<TranslationStage>().RunAsync(id, ct);
        });
        var seconds = stopwatch.Elapsed.TotalSeconds;

        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<RelayDb>();
            var translated = await db.Messages.CountAsync(m => ids.Contains(m.Id) && m.Status == MessageStatus.Translated);
            if (translated != ids.Count)
                throw new InvalidOperationException($"only {translated} of {ids.Count} letters were translated");
        }
        return seconds;
    }

    /// <summary>The seed letters (tests/data/seeds): each a title and its paragraphs.</summary>
    internal static List<Letter> Letters()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "seeds");
        return Directory.GetFiles(folder, "*.txt").Order()
            .SelectMany(f => File.ReadAllText(f).Replace("\r\n", "\n").Split("\nRead more:"))
            .Select(block => block.Split("\n\n").Select(p => p.Trim()).Where(p => p.Length > 0 && p is not ("About us" or "Select language") && !p.EndsWith("...", StringComparison.Ordinal)).ToList())
            .Where(p => p.Count >= 2 && p[0].Length <= 200)
            .Select(p => new Letter(p[0], string.Join("\n\n", p.Skip(1))))
            .ToList();
    }
}
