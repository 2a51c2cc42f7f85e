using System.Text;
using System.Text.RegularExpressions;

namespace Relay.Moderation;

public enum ScreeningDecision { Approve, Hold, Reject }

/// <summary>What the rules decided, with one "code: reason" line per objection that counted.</summary>
public sealed record ScreeningResult(ScreeningDecision Decision, IReadOnlyList<string> Reasons);

/// <summary>A text the rules look at: the original or a translation (machine output is untrusted too).</summary>
public sealed record ScreenedText(string Language, string Title, string Body);

/// <summary>
/// An objection from an outside screening service (<c>content-safety</c>, <c>akismet</c>), weighed as a
/// rule's: its code's action in <see cref="ModerationOptions"/>, unless it says otherwise.
/// </summary>
/// <param name="Reason">What a person reads after the code and a colon.</param>
public sealed record ServiceObjection(string Code, string Reason)
{
    /// <summary>Holds even where the code rejects: a finding only in a translation, or a service that gave no answer.</summary>
    public bool HoldsAtMost { get; init; }

    /// <summary>Rejects even where the code holds (Akismet's discard, when configured so); a disabled code stays off.</summary>
    public bool Rejects { get; init; }
}

/// <summary>A recipient as the rules see it.</summary>
/// <param name="EarlierToday">The sender's earlier messages to it within the day before this one.</param>
/// <param name="ReviewIncoming">It asked that every message sent to it is reviewed first.</param>
public sealed record RecipientFacts(string Name, int EarlierToday, bool ReviewIncoming);

/// <summary>
/// What the database knows around one message, gathered by <see cref="ScreeningStage"/>; the message
/// itself never counts, and "earlier" is by the time intake received each message.
/// </summary>
public sealed record MessageFacts
{
    /// <summary>The sender's earlier messages within the hour before this one.</summary>
    public int SentLastHour { get; init; }
    /// <summary>The sender's earlier messages within the day before this one.</summary>
    public int SentLastDay { get; init; }
    /// <summary>The bodies of the sender's earlier messages within <see cref="ModerationOptions.DuplicateWindow"/>.</summary>
    public IReadOnlyList<string> RecentBodies { get; init; } = [];
    /// <summary>The sender's other messages that were approved (counted up to <see cref="ModerationOptions.HoldFirstMessages"/>).</summary>
    public int ApprovedEarlier { get; init; }
    public IReadOnlyList<RecipientFacts> Recipients { get; init; } = [];
    /// <summary>A supporter sent it through the supporters' form or by email: a person who confirmed their address, not a union coordinators added.</summary>
    public bool FromSupporter { get; init; }
    /// <summary>The translation stage's doubts about the language ("language-mismatch: …"), objections as they stand.</summary>
    public IReadOnlyList<string> LanguageFlags { get; init; } = [];
}

/// <summary>
/// The automatic rules, as pure functions. Each objection names a machine code and a reason a
/// person can read; <see cref="ModerationOptions"/> says whether a code holds, rejects or is off.
/// Reject wins over hold.
/// </summary>
public static partial class ModerationRules
{
    /// <summary>Below this many characters a text is too short to judge as gibberish (the length rule speaks instead).</summary>
    private const int EnoughToJudge = 20;

    [GeneratedRegex(@"\b(?:https?://|www\.)[^\s<>""]+", RegexOptions.IgnoreCase)]
    private static partial Regex Link();

    [GeneratedRegex(@"<\s*/?\s*(script|iframe|object|embed|style|form|img|svg|a|meta|link)\b|javascript\s*:|\bon[a-z]+\s*=\s*[""']", RegexOptions.IgnoreCase)]
    private static partial Regex ActiveMarkup();

    // A tag name follows "<" directly, as in HTML: "wages < costs" and "3 < 5" are prose.
    [GeneratedRegex(@"</?[a-z][a-z0-9]*(\s[^<>]*)?/?>", RegexOptions.IgnoreCase)]
    private static partial Regex AnyTag();

    // A run of letters in a script written with spaces between words (Chinese, Japanese, Thai … are not).
    [GeneratedRegex(@"[\p{L}\p{M}-[\p{IsCJKUnifiedIdeographs}\p{IsCJKUnifiedIdeographsExtensionA}\p{IsHiragana}\p{IsKatakana}\p{IsThai}\p{IsLao}\p{IsKhmer}\p{IsMyanmar}\p{IsTibetan}]]+")]
    private static partial Regex SpacedWord();

    [GeneratedRegex(@"[^\p{L}\p{M}\p{N}]+")]
    private static partial Regex NotWord();

    /// <summary>
    /// One rule's objection. One found only in a translation holds at most: the sender did not write it.
    /// <paramref name="Rejects"/>: an outside service's objection that rejects whatever its code's action.
    /// </summary>
    private sealed record Objection(string Code, string Reason, bool HoldsAtMost = false, bool Rejects = false)
    {
        public string Line => $"{Code}: {Reason}";
    }

    /// <param name="services">The outside services' objections (<see cref="Screening.ScreeningServices"/>), after the rules' own.</param>
    public static ScreeningResult Screen(ScreenedText original, IReadOnlyList<ScreenedText> translations, MessageFacts facts,
        ModerationOptions options, Blocklist? blocklist = null, IReadOnlyList<ServiceObjection>? services = null)
    {
        IEnumerable<Objection> objections =
        [
            .. LanguageFlags(facts),
            .. Length(original, options),
            .. Links(original, options),
            .. MarkupAndScript(original, translations),
            .. BlockedTerms(original, translations, blocklist ?? Blocklist.Empty),
            .. Gibberish(original, options),
            .. Duplicate(original, facts, options),
            .. Rate(facts, options),
            .. FirstMessages(facts, options),
            .. RecipientReview(facts),
            .. UnverifiedSender(facts),
            .. (services ?? []).Select(s => new Objection(s.Code, s.Reason, s.HoldsAtMost, s.Rejects)),
        ];
        var counted = objections.Select(o => (o.Line, Action: ActionOf(o, options))).Where(o => o.Action != RuleAction.Off).ToList();
        var decision = counted.Count == 0 ? ScreeningDecision.Approve
            : counted.Any(o => o.Action == RuleAction.Reject) ? ScreeningDecision.Reject
            : ScreeningDecision.Hold;
        return new ScreeningResult(decision, counted.Select(o => o.Line).ToList());
    }

    private static RuleAction ActionOf(Objection objection, ModerationOptions options) =>
        options.ActionFor(objection.Code) switch
        {
            RuleAction.Off => RuleAction.Off,
            _ when objection.HoldsAtMost => RuleAction.Hold,
            _ when objection.Rejects => RuleAction.Reject,
            var action => action,
        };

    /// <summary>The original, then each translation (flagged as such).</summary>
    private static IEnumerable<(ScreenedText Text, bool Translated)> Texts(ScreenedText original, IReadOnlyList<ScreenedText> translations) =>
        translations.Select(t => (t, true)).Prepend((original, false));

    // The translation stage's doubts: a stated language the text is not in, or a guess too unsure to trust.
    private static IEnumerable<Objection> LanguageFlags(MessageFacts facts) =>
        facts.LanguageFlags.Select(f => f.Split(':', 2) is [var code, var reason] ? new Objection(code.Trim(), reason.Trim()) : new Objection("language", f));

    private static IEnumerable<Objection> Length(ScreenedText original, ModerationOptions options)
    {
        var length = original.Body.Trim().Length;
        if (length < options.MinBodyCharacters)
            yield return new(RuleCodes.Length, $"the body has {length} characters, fewer than {options.MinBodyCharacters}");
        else if (length > options.MaxBodyCharacters)
            yield return new(RuleCodes.Length, $"the body has {length} characters, more than {options.MaxBodyCharacters}");
    }

    private static IEnumerable<Objection> Links(ScreenedText original, ModerationOptions options)
    {
        var content = original.Title + "\n" + original.Body;
        var links = Link().Matches(content).Select(m => m.Value).ToList();
        if (links.Count > options.MaxLinks)
            yield return new(RuleCodes.Links, $"{links.Count} links, more than {options.MaxLinks}");

        foreach (var (host, count) in links.Select(HostOf).OfType<string>().CountBy(h => h))
            if (count > options.MaxLinksPerHost)
                yield return new(RuleCodes.Links, $"{count} links to {host}, more than {options.MaxLinksPerHost} to one site");

        // Also written without http:// ("bit.ly/x"), and on a shortener's subdomains.
        var shorteners = string.Join('|', ModerationOptions.Split(options.LinkShorteners).Select(Regex.Escape));
        var shortened = shorteners.Length == 0 ? [] : Regex.Matches(content,
                $@"(?<![\p{{L}}\p{{N}}.@-])(?:[\p{{L}}\p{{N}}-]+\.)*(?<host>{shorteners})/", RegexOptions.IgnoreCase)
            .Select(m => m.Groups["host"].Value.ToLowerInvariant()).Distinct().ToList();
        if (shortened.Count > 0)
            yield return new(RuleCodes.Links, $"a link shortener ({string.Join(", ", shortened)}) hides where the link leads");
    }

    private static string? HostOf(string link)
    {
        var absolute = link.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? "http://" + link : link;
        if (!Uri.TryCreate(absolute, UriKind.Absolute, out var uri))
            return null;
        var host = uri.Host.ToLowerInvariant();
        return host.StartsWith("www.", StringComparison.Ordinal) ? host[4..] : host;
    }

    private static IEnumerable<Objection> MarkupAndScript(ScreenedText original, IReadOnlyList<ScreenedText> translations)
    {
        var texts = Texts(original, translations).ToList();
        foreach (var (text, translated) in texts)
            if (ActiveMarkup().IsMatch(text.Title + "\n" + text.Body))
            {
                yield return new(RuleCodes.Script, $"the {text.Language} text contains script or active markup", translated);
                yield break;
            }
        foreach (var (text, translated) in texts)
            if (AnyTag().IsMatch(text.Title + "\n" + text.Body))
            {
                yield return new(RuleCodes.Markup, $"the {text.Language} text contains HTML tags", translated);
                yield break;
            }
    }

    // The original with its language's lists, each translation with its own.
    private static IEnumerable<Objection> BlockedTerms(ScreenedText original, IReadOnlyList<ScreenedText> translations, Blocklist blocklist)
    {
        foreach (var (text, translated) in Texts(original, translations))
        {
            var found = blocklist.Find(text.Language, text.Title + "\n" + text.Body);
            if (found.Count > 0)
                yield return new(RuleCodes.Blocklist, $"the {text.Language} text contains {string.Join(", ", found.Select(f => $"\"{f}\""))}", translated);
        }
    }

    private static IEnumerable<Objection> Gibberish(ScreenedText original, ModerationOptions options)
    {
        var prose = Link().Replace(original.Body, " ");
        var letters = new List<Rune>();
        var visible = 0;
        foreach (var rune in prose.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
                continue;
            visible++;
            // Marks count as letters: Devanagari's vowel signs are marks.
            if (Rune.IsLetter(rune) || Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.NonSpacingMark
                    or System.Globalization.UnicodeCategory.SpacingCombiningMark)
                letters.Add(Rune.ToLowerInvariant(rune));
        }
        if (visible < EnoughToJudge)
            yield break;

        var share = (double)letters.Count / visible;
        if (share < options.MinLetterShare)
            yield return new(RuleCodes.Gibberish, FormattableString.Invariant(
                $"only {share * 100:0}% of the characters are letters, fewer than {options.MinLetterShare * 100:0}%"));

        var entropy = -letters.CountBy(r => r).Sum(l => (double)l.Value / letters.Count * Math.Log2((double)l.Value / letters.Count));
        if (letters.Count >= EnoughToJudge && entropy < options.MinLetterEntropy)
            yield return new(RuleCodes.Gibberish, FormattableString.Invariant(
                $"the letters repeat as no language does ({entropy:0.0} bits a letter, fewer than {options.MinLetterEntropy:0.0})"));

        var longest = SpacedWord().Matches(prose).Select(m => m.Length).DefaultIfEmpty(0).Max();
        if (longest > options.MaxWordLetters)
            yield return new(RuleCodes.Gibberish, $"a word of {longest} letters, more than {options.MaxWordLetters}");
    }

    private static IEnumerable<Objection> Duplicate(ScreenedText original, MessageFacts facts, ModerationOptions options)
    {
        var body = Comparable(original.Body);
        if (body.Length > 0 && facts.RecentBodies.Any(b => Comparable(b) == body))
            yield return new(RuleCodes.Duplicate, $"the same text as an earlier message from this union within {Describe(options.DuplicateWindow)}");
    }

    /// <summary>A body as repeats are compared: words of letters and digits, lower case, one space apart.</summary>
    public static string Comparable(string text) =>
        string.Join(' ', NotWord().Split(text.Normalize(NormalizationForm.FormC).ToLowerInvariant()).Where(w => w.Length > 0));

    private static string Describe(TimeSpan span) =>
        span.TotalHours < 1 ? $"{span.TotalMinutes:0} minutes" : span.TotalDays < 2 ? $"{span.TotalHours:0} hours" : $"{span.TotalDays:0} days";

    private static IEnumerable<Objection> Rate(MessageFacts facts, ModerationOptions options)
    {
        if (facts.SentLastHour >= options.MaxMessagesPerHour)
            yield return new(RuleCodes.Rate, $"{facts.SentLastHour + 1} messages from this union within an hour, more than {options.MaxMessagesPerHour}");
        if (facts.SentLastDay >= options.MaxMessagesPerDay)
            yield return new(RuleCodes.Rate, $"{facts.SentLastDay + 1} messages from this union within a day, more than {options.MaxMessagesPerDay}");
        foreach (var recipient in facts.Recipients.Where(r => r.EarlierToday >= options.MaxMessagesPerRecipientPerDay))
            yield return new(RuleCodes.Rate,
                $"{recipient.EarlierToday + 1} messages from this union to {recipient.Name} within a day, more than {options.MaxMessagesPerRecipientPerDay}");
    }

    // A union newly added to the directory is not known yet: a coordinator reads its first messages.
    private static IEnumerable<Objection> FirstMessages(MessageFacts facts, ModerationOptions options)
    {
        if (facts.ApprovedEarlier < options.HoldFirstMessages)
            yield return new(RuleCodes.FirstMessage, facts.ApprovedEarlier == 0
                ? "no message from this union has been approved yet; a coordinator reads its first"
                : $"{facts.ApprovedEarlier} of this union's messages approved so far; a coordinator reads its first {options.HoldFirstMessages}");
    }

    private static IEnumerable<Objection> UnverifiedSender(MessageFacts facts)
    {
        if (facts.FromSupporter)
            yield return new(RuleCodes.UnverifiedSender, "a supporter wrote it, not a union of the directory: a coordinator reads it first");
    }

    private static IEnumerable<Objection> RecipientReview(MessageFacts facts) =>
        facts.Recipients.Where(r => r.ReviewIncoming)
            .Select(r => new Objection(RuleCodes.RecipientReview, $"{r.Name} asks that every message sent to it is reviewed first"));
}
