using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;

namespace Relay.Intake.MailIntake;

/// <summary>
/// An email from the intake mailbox, read into what Relay needs to decide on it. Pure: a
/// MimeMessage and the mailbox's settings in, the letter out. The language is not stated: the
/// translation stage detects it, as for any message without one.
/// </summary>
/// <param name="Key">SHA-256 (hex) of its Message-ID, or of the whole mail when it has none: reading it again is recognised.</param>
/// <param name="From">The sender's address, lower case.</param>
/// <param name="FromName">The sender's display name, when given.</param>
/// <param name="Subject">The subject as written.</param>
/// <param name="Title">The subject without "Re:" or "Fwd:" prefixes, or the letter's first line when there is no subject.</param>
/// <param name="Text">The letter without quoted mail and signature.</param>
/// <param name="RecipientSlugs">The unions named by plus-addressing (relay+slug@domain), in order, once each.</param>
/// <param name="Verdict">Whether the receiving server verified the sender's domain.</param>
/// <param name="Attachments">The attachments' names (or types): any makes Relay refuse the mail.</param>
/// <param name="Automatic">An auto-reply, a bounce or list mail (RFC 3834): never answered, never a message.</param>
public sealed partial record InboundLetter(
    string Key, string From, string? FromName, string? Subject, string Title, string Text,
    IReadOnlyList<string> RecipientSlugs, SenderVerdict Verdict, IReadOnlyList<string> Attachments, bool Automatic)
{
    public const int MaxTitleCharacters = 200;

    public static InboundLetter Read(MimeMessage message, MailIntakeOptions options)
    {
        var from = message.From.Mailboxes.FirstOrDefault();
        var text = LetterText.Of(message);
        return new InboundLetter(
            KeyOf(message),
            from?.Address.ToLowerInvariant() ?? "",
            string.IsNullOrWhiteSpace(from?.Name) ? null : from.Name.Trim(),
            message.Subject,
            TitleOf(message.Subject, text),
            text,
            SlugsOf(message, options.Address),
            SenderVerdict.Of(message, options.TrustedAuthServId),
            AttachmentsOf(message),
            IsAutomatic(message));
    }

    public static string KeyOf(MimeMessage message)
    {
        if (!string.IsNullOrWhiteSpace(message.MessageId))
            return Hash(Encoding.UTF8.GetBytes(message.MessageId));
        using var raw = new MemoryStream();
        message.WriteTo(raw);
        return Hash(raw.ToArray());
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>"Re: Fwd: Solidarity with the miners" → "Solidarity with the miners"; no subject → the letter's first line.</summary>
    public static string TitleOf(string? subject, string text)
    {
        var title = ReplyPrefixes().Replace(subject ?? "", "").Trim();
        if (title.Length == 0)
            title = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        title = Whitespace().Replace(title, " ");
        if (title.Length <= MaxTitleCharacters)
            return title;
        var cut = title.LastIndexOf(' ', MaxTitleCharacters - 1);
        return title[..(cut > MaxTitleCharacters / 2 ? cut : MaxTitleCharacters - 1)].TrimEnd() + "…";
    }

    [GeneratedRegex(@"^(\s*(re|fwd?|aw|wg|sv|vs|rv|r|tr|enc|res|odp|antw)(\[\d+\])?\s*:\s*)+", RegexOptions.IgnoreCase)]
    private static partial Regex ReplyPrefixes();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>
    /// The unions named in To, Cc and Delivered-To as relay+slug@domain, where relay@domain is
    /// Relay's mailbox (compared without regard to case). relay+a+b@domain names two.
    /// </summary>
    public static IReadOnlyList<string> SlugsOf(MimeMessage message, string mailboxAddress)
    {
        var at = mailboxAddress.LastIndexOf('@');
        var (local, domain) = (mailboxAddress[..Math.Max(at, 0)], mailboxAddress[(at + 1)..]);
        var addresses = message.To.Mailboxes.Concat(message.Cc.Mailboxes).Select(m => m.Address)
            .Concat(message.Headers.Where(h => h.Field.Equals("Delivered-To", StringComparison.OrdinalIgnoreCase) || h.Field.Equals("X-Original-To", StringComparison.OrdinalIgnoreCase))
                .Select(h => h.Value.Trim().Trim('<', '>')));
        var slugs = new List<string>();
        foreach (var address in addresses)
        {
            var a = address.LastIndexOf('@');
            if (a < 0 || !address[(a + 1)..].Equals(domain, StringComparison.OrdinalIgnoreCase))
                continue;
            var parts = address[..a].Split('+');
            if (parts.Length < 2 || !parts[0].Equals(local, StringComparison.OrdinalIgnoreCase))
                continue;
            slugs.AddRange(parts.Skip(1).Select(s => s.Trim().ToLowerInvariant()).Where(s => s.Length > 0));
        }
        return slugs.Distinct().ToList();
    }

    /// <summary>Every part that is not the letter's text: a part given as an attachment (usually with a file name), or anything that is not text, inline images included.</summary>
    public static IReadOnlyList<string> AttachmentsOf(MimeMessage message)
    {
        var found = new List<string>();
        foreach (var part in message.BodyParts.Where(p => !IsSignature(p)))
        {
            var name = (part as MimePart)?.FileName ?? part.ContentDisposition?.FileName ?? part.ContentType.Name;
            // No disposition means inline (RFC 2183); a file name with an attachment disposition is a file.
            var inline = part.ContentDisposition is null || !part.ContentDisposition.IsAttachment;
            if (!inline || part is not TextPart)
                found.Add(string.IsNullOrEmpty(name) ? part.ContentType.MimeType : name);
        }
        return found;
    }

    // A signed email's signature (S/MIME or OpenPGP) is part of how it was sent, not something attached.
    private static bool IsSignature(MimeEntity part) =>
        part.ContentType.MimeType.ToLowerInvariant() is "application/pgp-signature" or "application/pkcs7-signature" or "application/x-pkcs7-signature";

    /// <summary>Mail that no person wrote (RFC 3834 Auto-Submitted, a bounce, list or bulk mail): answering it could start a loop.</summary>
    public static bool IsAutomatic(MimeMessage message)
    {
        var autoSubmitted = message.Headers[HeaderId.AutoSubmitted];
        if (!string.IsNullOrWhiteSpace(autoSubmitted) && !autoSubmitted.Trim().StartsWith("no", StringComparison.OrdinalIgnoreCase))
            return true;
        var precedence = message.Headers[HeaderId.Precedence]?.Trim().ToLowerInvariant();
        if (precedence is "bulk" or "junk" or "list" || message.Headers.Contains(HeaderId.ListId))
            return true;
        if (message.Body is MultipartReport)
            return true;
        var from = message.From.Mailboxes.FirstOrDefault()?.LocalPart.ToLowerInvariant();
        return from is null or "mailer-daemon" or "postmaster";
    }
}
