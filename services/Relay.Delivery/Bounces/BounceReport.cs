using System.Security.Cryptography;
using System.Text;
using MimeKit;

namespace Relay.Delivery.Bounces;

/// <summary>One recipient's outcome from a delivery status notification (RFC 3464).</summary>
/// <param name="Key">Identifies this notice for this recipient, so reading it again is recognised.</param>
/// <param name="Address">The failed recipient (Final-Recipient).</param>
/// <param name="Action">failed, delayed, delivered, relayed or expanded.</param>
/// <param name="Status">The enhanced status code, such as 5.1.1.</param>
/// <param name="Diagnostic">The remote server's words, when given.</param>
/// <param name="OriginalMessageId">The Message-ID of the email that bounced, when the notification quotes it.</param>
public sealed record BounceNotice(string Key, string Address, string Action, string Status, string? Diagnostic, string? OriginalMessageId)
{
    /// <summary>A permanent failure: it counts towards suppressing the address.</summary>
    public bool Hard => Action.Equals("failed", StringComparison.OrdinalIgnoreCase) && Status.StartsWith('5');
}

/// <summary>Reads delivery status notifications with MimeKit. Pure: a message in, the notices it holds out.</summary>
public static class BounceReport
{
    /// <summary>The per-recipient notices of a DSN; empty for anything else (auto-replies, spam, a human's reply).</summary>
    public static IReadOnlyList<BounceNotice> Read(MimeMessage message)
    {
        var status = message.BodyParts.OfType<MessageDeliveryStatus>().FirstOrDefault();
        if (status is null)
            return [];
        var original = message.BodyParts.OfType<MessagePart>().Select(p => p.Message?.MessageId).FirstOrDefault(id => id is not null);
        var notices = new List<BounceNotice>();
        // The first group describes the message as a whole; a group per recipient follows. A DSN
        // written by MimeKit itself ends with an empty group: only groups naming a recipient count.
        foreach (var group in status.StatusGroups)
        {
            var recipient = group["Final-Recipient"] ?? group["Original-Recipient"];
            if (string.IsNullOrWhiteSpace(recipient))
                continue;
            var address = AddressOf(recipient);
            notices.Add(new BounceNotice(KeyOf(message, address), address,
                group["Action"]?.Trim().ToLowerInvariant() ?? "failed",
                group["Status"]?.Trim() ?? "5.0.0",
                group["Diagnostic-Code"]?.Trim() is { Length: > 0 } d ? Unfold(d) : null,
                original));
        }
        return notices;
    }

    /// <summary>"rfc822; someone@example.org" → someone@example.org.</summary>
    private static string AddressOf(string field)
    {
        var value = field.Contains(';') ? field[(field.IndexOf(';') + 1)..] : field;
        return value.Trim().Trim('<', '>').ToLowerInvariant();
    }

    private static string Unfold(string value) => string.Join(' ', value.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));

    private static string KeyOf(MimeMessage message, string address)
    {
        // A notification without a Message-ID is identified by its date and sender instead.
        var id = message.MessageId ?? $"{message.Date:o}|{message.From}|{message.Subject}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{id}\n{address}")));
    }
}
