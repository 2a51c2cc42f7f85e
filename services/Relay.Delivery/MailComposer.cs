using System.Net;
using System.Text;
using MimeKit;
using Relay.ServiceDefaults;

namespace Relay.Delivery;

/// <summary>A text of the message: a translation (with how it was made) or the original (Origin null).</summary>
public sealed record EmailText(string Language, string Title, string Body, string? Origin = null, string? Provider = null);

/// <summary>Everything one recipient's email is made of.</summary>
public sealed record EmailDraft(
    Guid MessageId,
    Guid RecipientUnionId,
    string SenderName,
    string SenderEmail,
    string? Author,
    string RecipientName,
    string RecipientEmail,
    IReadOnlyList<EmailText> Translations,
    EmailText Original,
    string PreferencesUrl);

/// <summary>
/// Builds a recipient's email: the translations in the recipient's languages (preferred first), each
/// with how it was translated, then the original with its language named; plain text and HTML.
/// From is Relay with the sending union's name; Reply-To is the sending union, so the unions can
/// talk directly; the Message-ID is stable per (message, recipient). Every email carries the
/// recipient's signed preferences link: visibly, and as List-Unsubscribe with RFC 8058 one-click.
/// </summary>
public static class MailComposer
{
    public static string MessageIdFor(Guid messageId, Guid recipientUnionId, string domain) =>
        $"{messageId:N}.{recipientUnionId:N}@{domain}";

    public static MimeMessage Compose(EmailDraft draft, MailOptions options)
    {
        var main = draft.Translations.Count > 0 ? draft.Translations[0] : draft.Original;
        var message = new MimeMessage
        {
            MessageId = MessageIdFor(draft.MessageId, draft.RecipientUnionId, options.MessageIdDomain),
            Subject = main.Title,
            Date = DateTimeOffset.UtcNow,
        };
        message.From.Add(new MailboxAddress(draft.SenderName, options.FromAddress));
        message.ReplyTo.Add(new MailboxAddress(draft.SenderName, draft.SenderEmail));
        message.To.Add(new MailboxAddress(draft.RecipientName, draft.RecipientEmail));
        message.Headers.Add("Content-Language", main.Language);
        message.Headers.Add("X-Relay-Message", draft.MessageId.ToString());
        message.Headers.Add(HeaderId.ListUnsubscribe, $"<{draft.PreferencesUrl}>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");

        var builder = new BodyBuilder { TextBody = PlainText(draft, main), HtmlBody = Html(draft, main) };
        message.Body = builder.ToMessageBody();
        return message;
    }

    private static string Signature(EmailDraft draft) =>
        draft.Author is { Length: > 0 } author && author != draft.SenderName ? $"{author}, {draft.SenderName}" : draft.SenderName;

    private static string PlainText(EmailDraft draft, EmailText main)
    {
        var text = MailText.For(main.Language);
        var body = new StringBuilder();
        foreach (var translation in draft.Translations)
        {
            body.Append(translation.Title).Append("\n\n").Append(translation.Body.Trim()).Append("\n\n");
            body.Append("— ").Append(MailText.For(translation.Language).HowTranslated(translation.Origin!, translation.Provider!))
                .Append("\n\n----------------------------------------\n\n");
        }
        if (draft.Translations.Count > 0)
            body.Append(text.Original(LanguageTags.NativeName(draft.Original.Language))).Append(":\n\n");
        body.Append(draft.Original.Title).Append("\n\n").Append(draft.Original.Body.Trim()).Append("\n\n");
        body.Append("-- \n").Append(text.Footer(Signature(draft), draft.SenderName)).Append('\n');
        body.Append(text.Preferences).Append(": ").Append(draft.PreferencesUrl).Append('\n');
        return body.ToString();
    }

    private static string Html(EmailDraft draft, EmailText main)
    {
        var text = MailText.For(main.Language);
        var html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"").Append(Attr(main.Language)).Append("\"><head><meta charset=\"utf-8\"><title>")
            .Append(Encode(main.Title)).Append("</title></head><body>\n");
        foreach (var translation in draft.Translations)
        {
            Section(html, translation, "h1");
            html.Append("<p><em>").Append(Encode(MailText.For(translation.Language).HowTranslated(translation.Origin!, translation.Provider!)))
                .Append("</em></p></div>\n<hr>\n");
        }
        if (draft.Translations.Count > 0)
            html.Append("<h2>").Append(Encode(text.Original(LanguageTags.NativeName(draft.Original.Language)))).Append("</h2>\n");
        Section(html, draft.Original, draft.Translations.Count > 0 ? "h3" : "h1");
        html.Append("</div>\n<hr>\n<p><small>").Append(Encode(text.Footer(Signature(draft), draft.SenderName))).Append("<br>\n<a href=\"")
            .Append(Attr(draft.PreferencesUrl)).Append("\">").Append(Encode(text.Preferences)).Append("</a></small></p>\n</body></html>\n");
        return html.ToString();
    }

    /// <summary>Opens a block in the text's language and direction (right-to-left scripts render right to left).</summary>
    private static void Section(StringBuilder html, EmailText text, string heading)
    {
        var dir = LanguageTags.IsRightToLeft(text.Language) ? "rtl" : "ltr";
        html.Append("<div lang=\"").Append(Attr(text.Language)).Append("\" dir=\"").Append(dir).Append("\">\n<")
            .Append(heading).Append('>').Append(Encode(text.Title)).Append("</").Append(heading).Append(">\n");
        foreach (var paragraph in Paragraphs(text.Body))
            html.Append("<p>").Append(Encode(paragraph).Replace("\n", "<br>")).Append("</p>\n");
    }

    public static IEnumerable<string> Paragraphs(string body) =>
        body.Replace("\r\n", "\n").Split("\n\n").Select(p => p.Trim()).Where(p => p.Length > 0);

    private static string Encode(string s) => WebUtility.HtmlEncode(s);
    private static string Attr(string s) => WebUtility.HtmlEncode(s);
}
