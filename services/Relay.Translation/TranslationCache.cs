using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Relay.ServiceDefaults.Telemetry;
using Relay.Storage;

namespace Relay.Translation;

/// <summary>
/// Translations already made, by (source language, target language, normalised text): the same
/// text is never sent to a provider twice. Also counts the characters sent to each provider per
/// day, which is what a commercial provider bills.
/// </summary>
public sealed partial class TranslationCache(RelayDb db)
{
    [GeneratedRegex(@"[ \t\u00A0]+")]
    private static partial Regex Spaces();

    /// <summary>Unicode NFC, line endings unified, runs of spaces collapsed, trimmed.</summary>
    public static string Normalize(string text) =>
        Spaces().Replace(text.Normalize(NormalizationForm.FormC).Replace("\r\n", "\n"), " ").Trim();

    public static string Key(string from, string to, string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{from}\n{to}\n{Normalize(text)}")));

    public async Task<IReadOnlyDictionary<string, string>> FindAsync(IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        var wanted = keys.Distinct().ToList();
        return await db.TranslationCache.AsNoTracking().Where(c => wanted.Contains(c.Key))
            .ToDictionaryAsync(c => c.Key, c => c.Text, cancellationToken);
    }

    /// <summary>Stores a translation; when another worker stored the same one first, theirs stays.</summary>
    public async Task StoreAsync(string from, string to, string text, string translation, string provider, CancellationToken cancellationToken)
    {
        var key = Key(from, to, text);
        var now = DateTime.UtcNow;
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO translation_cache ("Key", "From", "To", "Text", "Provider", "CreatedAt")
            VALUES ({key}, {from}, {to}, {translation}, {provider}, {now})
            ON CONFLICT ("Key") DO NOTHING
            """, cancellationToken);
    }

    /// <summary>Adds one request's characters to the provider's count for today (UTC).</summary>
    public async Task CountAsync(string provider, long characters, CancellationToken cancellationToken)
    {
        RelayMetrics.TranslationCharacters.Add(characters, new KeyValuePair<string, object?>("provider", provider));
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO provider_usage ("Provider", "Day", "Characters", "Requests") VALUES ({provider}, {day}, {characters}, 1)
            ON CONFLICT ("Provider", "Day") DO UPDATE SET "Characters" = provider_usage."Characters" + excluded."Characters",
                "Requests" = provider_usage."Requests" + 1
            """, cancellationToken);
    }
}
