using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using MimeKit.Text;

namespace Relay.Intake.MailIntake;

/// <summary>
/// The letter in an email, as pure functions: its text part (plain text preferred, HTML turned
/// into text otherwise), without the quoted mail it answers or forwards and without the
/// signature. What the sender wrote is kept as written.
/// </summary>
public static partial class LetterText
{
    /// <summary>The text of the first plain-text part that is not an attachment, else of the first HTML part, else empty.</summary>
    public static string Of(MimeMessage message)
    {
        var parts = message.BodyParts.OfType<TextPart>().Where(p => !p.IsAttachment).ToList();
        if (parts.FirstOrDefault(p => p.IsPlain) is { } plain)
            return Cut(PlainOf(plain));
        if (parts.FirstOrDefault(p => p.IsHtml) is { } html)
            return Cut(HtmlToText(html.Text));
        return "";
    }

    private static string PlainOf(TextPart part)
    {
        if (!part.IsFlowed)
            return part.Text;
        // format=flowed (RFC 3676): soft line breaks joined, as the sender's client meant them. The
        // signature goes first: its "-- " line ends in a space, which would join it to the text.
        var lines = part.Text.Replace("\r\n", "\n").Split('\n');
        var signature = Array.IndexOf(lines, "-- ");
        var text = string.Join('\n', signature < 0 ? lines : lines[..signature]);
        var delsp = part.ContentType.Parameters.TryGetValue("delsp", out string? d) && d!.Equals("yes", StringComparison.OrdinalIgnoreCase);
        return new FlowedToText { DeleteSpace = delsp }.Convert(text);
    }

    /// <summary>Cuts the quoted mail (attribution lines, "&gt;" lines, forwarded or Outlook headers) and the signature ("-- ").</summary>
    public static string Cut(string text)
    {
        var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        var kept = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (IsSignatureSeparator(line) || IsQuoteStart(lines, i))
                break;
            if (line.TrimStart().StartsWith('>'))
                continue;
            kept.Add(line.TrimEnd());
        }
        return BlankRuns().Replace(string.Join('\n', kept), "\n\n").Trim();
    }

    // RFC 3676 says "-- "; many clients trim the trailing space.
    private static bool IsSignatureSeparator(string line) => line is "-- " or "--";

    private static bool IsQuoteStart(string[] lines, int i)
    {
        var line = lines[i].Trim();
        if (line.Length == 0)
            return false;
        if (OriginalMessage().IsMatch(line) || IsAttribution(line))
            return true;
        // An attribution a client wrapped onto two lines ("On Mon, 3 Nov 2025, Name\n<a@b.org> wrote:").
        if (i + 1 < lines.Length && line.Length < 200 && AttributionStart().IsMatch(line) && IsAttribution(line + " " + lines[i + 1].Trim()))
            return true;
        // Outlook's reply header: "From: …" then, within a few lines, "Sent: …" or "Date: …"; often under a rule of underscores.
        if (line.Length >= 10 && line.All(c => c == '_') && i + 1 < lines.Length && OutlookFrom().IsMatch(lines[i + 1].Trim()))
            return IsQuoteStart(lines, i + 1);
        if (OutlookFrom().IsMatch(line))
            return lines.Skip(i + 1).Take(3).Any(l => OutlookSent().IsMatch(l.Trim()));
        return false;
    }

    // A client's attribution names an address or a time or date: "On 3 November the strikers wrote:" is the letter's own.
    private static bool IsAttribution(string line) => Attribution().IsMatch(line) && (line.Contains('@') || TimeOrDate().IsMatch(line));

    [GeneratedRegex(@"\d{1,2}[:h]\d{2}|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")]
    private static partial Regex TimeOrDate();

    [GeneratedRegex(@"^-{2,}\s*(Original Message|Forwarded message|Mensaje original|Message d'origine|Mensagem original|Ursprüngliche Nachricht|Missatge original)\s*-{2,}$", RegexOptions.IgnoreCase)]
    private static partial Regex OriginalMessage();

    // "On … wrote:" and its sisters in the languages Relay's unions write in most.
    [GeneratedRegex(@"^(On|El|Le|Am|Em|Il|Op)\s.{4,300}(wrote|escribió|a écrit|schrieb|escreveu|ha scritto|schreef|va escriure)\s?:$", RegexOptions.IgnoreCase)]
    private static partial Regex Attribution();

    [GeneratedRegex(@"^(On|El|Le|Am|Em|Il|Op)\s.*\d", RegexOptions.IgnoreCase)]
    private static partial Regex AttributionStart();

    [GeneratedRegex(@"^\*?(From|De|Von|Da|Van)\s?:\*?\s.+", RegexOptions.IgnoreCase)]
    private static partial Regex OutlookFrom();

    [GeneratedRegex(@"^\*?(Sent|Date|Enviado|Envoyé|Gesendet|Inviato|Verzonden|Fecha|Data)\s?:\*?\s.+", RegexOptions.IgnoreCase)]
    private static partial Regex OutlookSent();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex BlankRuns();

    private static readonly HashSet<HtmlTagId> Skipped = [HtmlTagId.Head, HtmlTagId.Script, HtmlTagId.Style, HtmlTagId.Title, HtmlTagId.BlockQuote];
    private static readonly HashSet<HtmlTagId> Blocks =
    [
        HtmlTagId.P, HtmlTagId.Div, HtmlTagId.H1, HtmlTagId.H2, HtmlTagId.H3, HtmlTagId.H4, HtmlTagId.H5, HtmlTagId.H6,
        HtmlTagId.UL, HtmlTagId.OL, HtmlTagId.Table, HtmlTagId.TR, HtmlTagId.Pre, HtmlTagId.HR, HtmlTagId.Address,
    ];

    /// <summary>
    /// HTML to plain text with MimeKit's tokenizer (which decodes entities): paragraphs and blocks
    /// become line breaks, list items "- " lines; scripts, styles and blockquotes (the quoted mail of
    /// an HTML reply) are left out. Markup is never kept.
    /// </summary>
    public static string HtmlToText(string html)
    {
        var text = new StringBuilder();
        var skipping = 0;
        var preformatted = 0;
        var tokenizer = new HtmlTokenizer(new StringReader(html));
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlTagToken tag when Skipped.Contains(tag.Id):
                    if (!tag.IsEmptyElement)
                        skipping = Math.Max(0, skipping + (tag.IsEndTag ? -1 : 1));
                    break;
                case HtmlTagToken tag when skipping > 0:
                    break;
                case HtmlTagToken { Id: HtmlTagId.Br }:
                    text.Append('\n');
                    break;
                case HtmlTagToken { Id: HtmlTagId.LI, IsEndTag: false }:
                    text.Append("\n- ");
                    break;
                case HtmlTagToken { Id: HtmlTagId.TD or HtmlTagId.TH, IsEndTag: false }:
                    text.Append(' ');
                    break;
                case HtmlTagToken tag when Blocks.Contains(tag.Id):
                    if (tag.Id == HtmlTagId.Pre)
                        preformatted = Math.Max(0, preformatted + (tag.IsEndTag ? -1 : 1));
                    text.Append(tag.Id is HtmlTagId.P or HtmlTagId.H1 or HtmlTagId.H2 or HtmlTagId.H3 ? "\n\n" : "\n");
                    break;
                case HtmlDataToken data when skipping == 0:
                    text.Append(preformatted > 0 ? data.Data : Spaces().Replace(data.Data, " "));
                    break;
            }
        }
        var lines = text.ToString().Replace('\u00a0', ' ').Split('\n').Select(l => l.Trim());
        return BlankRuns().Replace(string.Join('\n', lines), "\n\n").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
