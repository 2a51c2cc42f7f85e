using System.Text;
using MimeKit;
using MimeKit.Cryptography;

namespace Relay.Intake.MailIntake;

/// <summary>What the receiving mail server found about the sender's address (RFC 8601 Authentication-Results).</summary>
/// <param name="Pass">DKIM or SPF passed for a domain aligned with the From address.</param>
/// <param name="Detail">What was found, in words for the log and the coordinators.</param>
public sealed record SenderVerdict(bool Pass, string Detail)
{
    /// <summary>
    /// Reads the Authentication-Results header that the trusted server (its authserv-id) added;
    /// any other such header is the sender's own word and counts for nothing. A pass needs
    /// dkim=pass with header.d, or spf=pass with smtp.mailfrom, in the From address's domain (or
    /// a parent or child of it, as DMARC's relaxed alignment allows). Anything else, or no
    /// trusted header at all, leaves the sender unverified.
    /// </summary>
    public static SenderVerdict Of(MimeMessage message, string? trustedAuthServId)
    {
        if (string.IsNullOrWhiteSpace(trustedAuthServId))
            return new(false, "no trusted mail server is configured (MailIntake:TrustedAuthServId)");
        var from = message.From.Mailboxes.FirstOrDefault()?.Domain;
        if (string.IsNullOrEmpty(from))
            return new(false, "no From address");

        // The topmost header is the one the receiving server added last: the one that counts.
        var trusted = message.Headers.Where(h => h.Id == HeaderId.AuthenticationResults)
            .Select(h => AuthenticationResults.TryParse(Encoding.UTF8.GetBytes(h.Value), out var r) ? r : null)
            .FirstOrDefault(r => r?.AuthenticationServiceIdentifier?.Equals(trustedAuthServId, StringComparison.OrdinalIgnoreCase) == true);
        if (trusted is null)
            return new(false, $"no Authentication-Results from {trustedAuthServId}");

        var found = new List<string>();
        foreach (var result in trusted.Results)
        {
            var method = result.Method.ToLowerInvariant();
            if (method is not ("dkim" or "spf"))
                continue;
            // The identifiers DMARC aligns: the signing domain, and the envelope sender's domain.
            var domain = DomainOf(result, method == "dkim" ? "header.d" : "smtp.mailfrom");
            found.Add($"{method}={result.Result}{(domain is null ? "" : $" ({domain})")}");
            if (result.Result.Equals("pass", StringComparison.OrdinalIgnoreCase) && domain is not null && Aligned(from, domain))
                return new(true, $"{method}=pass for {domain}");
        }
        return new(false, found.Count == 0 ? $"{trustedAuthServId} reports neither DKIM nor SPF" : $"not verified for {from}: {string.Join(", ", found)}");
    }

    private static string? DomainOf(AuthenticationMethodResult result, string property)
    {
        var value = result.Properties.FirstOrDefault(p => $"{p.PropertyType}.{p.Property}".Equals(property, StringComparison.OrdinalIgnoreCase))?.Value;
        if (string.IsNullOrWhiteSpace(value))
            return null;
        // smtp.mailfrom may be a whole address.
        return (value.Contains('@') ? value[(value.LastIndexOf('@') + 1)..] : value).Trim().TrimEnd('.').ToLowerInvariant();
    }

    private static bool Aligned(string from, string domain)
    {
        from = from.ToLowerInvariant();
        return from == domain || from.EndsWith("." + domain, StringComparison.Ordinal) || domain.EndsWith("." + from, StringComparison.Ordinal);
    }
}
