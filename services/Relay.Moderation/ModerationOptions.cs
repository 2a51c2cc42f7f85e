namespace Relay.Moderation;

/// <summary>What a rule's objection does to a message.</summary>
public enum RuleAction { Off, Hold, Reject }

/// <summary>The codes the rules object with: the part before the colon of each reason.</summary>
public static class RuleCodes
{
    public const string Length = "length";
    public const string Links = "links";
    public const string Duplicate = "duplicate";
    public const string Rate = "rate";
    public const string Blocklist = "blocklist";
    public const string Markup = "markup";
    public const string Script = "script";
    public const string Gibberish = "gibberish";
    public const string FirstMessage = "first-message";
    public const string RecipientReview = "recipient-review";
    /// <summary>A supporter, not a union of the directory, sent it (their address confirmed, nothing more).</summary>
    public const string UnverifiedSender = "unverified-sender";
    /// <summary>Set by the translation stage (<c>LanguageFlags</c>): the stated language is not the one the text is in.</summary>
    public const string LanguageMismatch = "language-mismatch";
    /// <summary>Set by the translation stage: the detector was too unsure of the language.</summary>
    public const string LanguageUncertain = "language-uncertain";
    /// <summary>Azure AI Content Safety (optional, <c>Moderation:ContentSafety</c>): a category at or above its threshold, or no answer.</summary>
    public const string ContentSafety = Screening.ContentSafety.Code;
    /// <summary>Akismet (optional, <c>Moderation:Akismet</c>): spam, or no answer.</summary>
    public const string Akismet = Screening.Akismet.Code;
}

/// <summary>
/// The "Moderation" section: the automatic rules' bounds and what each does when it objects. Every
/// rule objects with a "code: reason" line (<see cref="RuleCodes"/>); a message is rejected when one
/// of its objections rejects, held for a coordinator when one holds, approved otherwise. Lists are
/// comma-separated (one environment variable each, as <c>Moderation__Reject=script,blocklist</c>).
/// </summary>
public class ModerationOptions
{
    /// <summary>
    /// Codes whose objection rejects the message (the sender is told why) instead of holding it.
    /// Default <c>script</c>: active markup is never a letter of solidarity. Every other code holds by
    /// default: length, links, duplicate, rate, blocklist, markup, gibberish, first-message,
    /// recipient-review, unverified-sender, language-mismatch, language-uncertain, and the optional services' content-safety
    /// and akismet. What only a translation contains holds at most: the sender did not write it; nor
    /// does a service's failure to answer reject.
    /// </summary>
    public string Reject { get; set; } = RuleCodes.Script;

    /// <summary>Codes switched off: their rule never objects (<c>first-message,rate</c>). Default none.</summary>
    public string Disabled { get; set; } = "";

    /// <summary>A shorter body is rarely a letter of solidarity.</summary>
    public int MinBodyCharacters { get; set; } = 20;

    /// <summary>A longer body is unusual for a letter (intake refuses more than 20,000 outright).</summary>
    public int MaxBodyCharacters { get; set; } = 10_000;

    /// <summary>More links than this in the original's title and body (spam carries links).</summary>
    public int MaxLinks { get; set; } = 3;

    /// <summary>More links than this to one site (www. ignored): a letter rarely points at one site again and again.</summary>
    public int MaxLinksPerHost { get; set; } = 2;

    /// <summary>Link shorteners, which hide where a link leads; a link to one of them (or its subdomains) objects, with or without http://.</summary>
    public string LinkShorteners { get; set; } =
        "bit.ly,tinyurl.com,t.co,goo.gl,ow.ly,is.gd,buff.ly,cutt.ly,rebrand.ly,tiny.cc,shorturl.at,rb.gy,t.ly,s.id,v.gd";

    /// <summary>A body the same (ignoring case, spacing and punctuation) as one the sender submitted within this time before.</summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromDays(1);

    /// <summary>More messages than this from one union in an hour (by the time intake received them).</summary>
    public int MaxMessagesPerHour { get; set; } = 5;

    /// <summary>More messages than this from one union in a day.</summary>
    public int MaxMessagesPerDay { get; set; } = 20;

    /// <summary>More messages than this from one union to the same recipient in a day.</summary>
    public int MaxMessagesPerRecipientPerDay { get; set; } = 3;

    /// <summary>
    /// The folder of blocklists, one UTF-8 file per language (<c>es.txt</c>, <c>pt-BR.txt</c>; <c>all.txt</c>
    /// for every language): one word or phrase a line, lines starting with # are comments. Matched as
    /// whole words, ignoring case, in the original (its language's list) and each translation (its
    /// own). Read again when a file changes. A relative path is taken from the service's folder, where
    /// small starter lists are shipped; point it outside the build output so that edits survive a deployment.
    /// </summary>
    public string BlocklistDirectory { get; set; } = "blocklists";

    /// <summary>Letters whose Shannon entropy (bits a letter) is below this are not language ("aaaa…", "asdfasdf…"); prose has about 4.</summary>
    public double MinLetterEntropy { get; set; } = 2.5;

    /// <summary>A longer run of letters is not a word (links left out; scripts written without spaces, such as Chinese or Thai, are not measured).</summary>
    public int MaxWordLetters { get; set; } = 50;

    /// <summary>Fewer letters than this share of the characters that are not spaces (links left out) is not prose.</summary>
    public double MinLetterShare { get; set; } = 0.5;

    /// <summary>
    /// A union's messages are held until this many of its earlier ones were approved (0: off, the
    /// default: only coordinators add unions, and they vouch for those they add; set 1 where unions
    /// join by other means, so a coordinator reads each new union's first message).
    /// </summary>
    public int HoldFirstMessages { get; set; }

    public static IReadOnlyList<string> Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>What an objection with this code does.</summary>
    public RuleAction ActionFor(string code) =>
        Split(Disabled).Contains(code, StringComparer.OrdinalIgnoreCase) ? RuleAction.Off
        : Split(Reject).Contains(code, StringComparer.OrdinalIgnoreCase) ? RuleAction.Reject
        : RuleAction.Hold;
}
