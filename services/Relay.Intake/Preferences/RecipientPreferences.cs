using Relay.Contracts;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake.Preferences;

/// <summary>What a recipient union may change about the messages it receives. Pure decisions over the union.</summary>
public static class RecipientPreferences
{
    /// <summary>Stops messages to the union; the event to announce it, or null when it already receives none.</summary>
    public static UnionSuppressed? OptOut(Union union, DateTime now)
    {
        if (union.IsSuppressed)
            return null;
        union.SuppressedAt = now;
        union.SuppressedReason = $"opted out on {now:yyyy-MM-dd}";
        union.SuppressionNoticeSentAt = null;
        return new UnionSuppressed(union.Id, union.SuppressedReason, ByBounces: false);
    }

    /// <summary>The union receives messages again, with a clean bounce count (it followed a link from an email, so its address works).</summary>
    public static void Resume(Union union)
    {
        (union.SuppressedAt, union.SuppressedReason, union.SuppressionNoticeSentAt) = (null, null, null);
        union.BounceCount = 0;
    }

    /// <summary>"es, en" → [es, en]; an error in words when a code is not a language or none is given.</summary>
    public static (List<string> Languages, string? Error) ParseLanguages(string? input)
    {
        var codes = (input ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries);
        if (codes.Length == 0)
            return ([], "Give at least one language, the preferred first.");
        if (codes.FirstOrDefault(c => !LanguageTags.IsValid(c)) is { } bad)
            return ([], $"'{bad}' is not a language code (such as es, en or pt-BR).");
        if (codes.Length > 10)
            return ([], "Give at most ten languages.");
        return (codes.Select(LanguageTags.Normalize).Distinct().ToList(), null);
    }
}
