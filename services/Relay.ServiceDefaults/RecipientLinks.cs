using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Relay.ServiceDefaults;

/// <summary>The "Links" section. The secret comes from the environment (Links__Secret), never from a committed file.</summary>
public class LinkOptions
{
    /// <summary>Signs the links in emails; at least 32 characters. Changing it breaks every link already sent.</summary>
    public string? Secret { get; set; }
    /// <summary>How long a sender has to confirm a message through the emailed link; after that the message never goes out.</summary>
    public TimeSpan ConfirmationWindow { get; set; } = TimeSpan.FromDays(7);
    /// <summary>How long an emailed sign-in link works (once); a link not sent within it is not sent.</summary>
    public TimeSpan SignInLinkLifetime { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>
/// Signs what a link in an email carries (a union, a message, a time) with an HMAC under a key of
/// its own per purpose, so only Relay can make a link, no one can change what it names, and a link
/// made for one purpose is worthless for another.
/// </summary>
public sealed class LinkSigner
{
    private const int MacLength = 16;
    private readonly string _secret;

    public LinkSigner(IOptions<LinkOptions> options)
    {
        var secret = options.Value.Secret;
        if (secret is not { Length: >= 32 })
            throw new OptionsValidationException("Links", typeof(LinkOptions),
                ["Links:Secret must be set (at least 32 characters; environment variable Links__Secret): it signs the links in emails. deploy/local/up.sh generates one into .relay/secrets.env."]);
        _secret = secret;
    }

    /// <summary>The payload and its MAC, base64url.</summary>
    public string Sign(string purpose, ReadOnlySpan<byte> payload)
    {
        var data = new byte[payload.Length + MacLength];
        payload.CopyTo(data);
        Mac(purpose, payload).CopyTo(data, payload.Length);
        return Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The payload of a token Relay made for this purpose, or null.</summary>
    public byte[]? Read(string purpose, string? token, int payloadLength)
    {
        var data = FromBase64Url(token);
        if (data is null || data.Length != payloadLength + MacLength
            || !CryptographicOperations.FixedTimeEquals(Mac(purpose, data.AsSpan(0, payloadLength)), data.AsSpan(payloadLength)))
            return null;
        return data[..payloadLength];
    }

    private byte[] Mac(string purpose, ReadOnlySpan<byte> data) =>
        HMACSHA256.HashData(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(purpose + "\n" + _secret)), data)[..MacLength];

    private static byte[]? FromBase64Url(string? token)
    {
        if (token is not { Length: > 0 and < 100 })
            return null;
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - base64.Length % 4) % 4);
        try { return Convert.FromBase64String(base64); }
        catch (FormatException) { return null; }
    }
}

/// <summary>
/// Signed links that let a recipient union act without an account: the link in every email names
/// the union. The links do not expire: an opt-out link in an old email must still work.
/// </summary>
public sealed class RecipientLinks(LinkSigner signer)
{
    private const string Purpose = "relay-recipient-links";

    /// <summary>The token of a union's links: its id and a MAC, base64url (43 characters).</summary>
    public string TokenFor(Guid unionId) => signer.Sign(Purpose, unionId.ToByteArray());

    /// <summary>The union a token names, when Relay made it.</summary>
    public bool TryRead(string? token, out Guid unionId)
    {
        var data = signer.Read(Purpose, token, 16);
        unionId = data is null ? Guid.Empty : new Guid(data);
        return data is not null;
    }

    /// <summary>The page where a union opts out or changes its languages (also the RFC 8058 one-click target).</summary>
    public string PreferencesUrl(string publicBaseUrl, Guid unionId) => $"{publicBaseUrl.TrimEnd('/')}/preferences/{TokenFor(unionId)}";
}

/// <summary>
/// The link that confirms a message from a sender who must confirm it (a supporter, an unverified
/// email). It names the message; how long it is good for is the intake's to decide.
/// </summary>
public sealed class ConfirmationLinks(LinkSigner signer)
{
    private const string Purpose = "relay-confirmation-links";

    public string Url(string publicBaseUrl, Guid messageId) => $"{publicBaseUrl.TrimEnd('/')}/confirm/{signer.Sign(Purpose, messageId.ToByteArray())}";

    public bool TryRead(string? token, out Guid messageId)
    {
        var data = signer.Read(Purpose, token, 16);
        messageId = data is null ? Guid.Empty : new Guid(data);
        return data is not null;
    }
}

/// <summary>A link emailed to a union's registered address that signs it in to the unions' form: it names the union and when it was issued.</summary>
public sealed class SignInLinks(LinkSigner signer)
{
    private const string Purpose = "relay-sign-in-links";

    public string Url(string publicBaseUrl, Guid unionId, DateTime issuedAt)
    {
        var payload = new byte[24];
        unionId.TryWriteBytes(payload);
        BitConverter.TryWriteBytes(payload.AsSpan(16), issuedAt.ToUniversalTime().Ticks);
        return $"{publicBaseUrl.TrimEnd('/')}/write/sign-in/link/{signer.Sign(Purpose, payload)}";
    }

    public bool TryRead(string? token, out Guid unionId, out DateTime issuedAt)
    {
        var data = signer.Read(Purpose, token, 24);
        unionId = data is null ? Guid.Empty : new Guid(data.AsSpan(0, 16));
        issuedAt = data is null ? default : new DateTime(BitConverter.ToInt64(data, 16), DateTimeKind.Utc);
        return data is not null;
    }
}

public static class RecipientLinksExtensions
{
    /// <summary>Signed links of every kind; the process does not start without a secret.</summary>
    public static IServiceCollection AddRecipientLinks(this IServiceCollection services)
    {
        services.AddOptions<LinkOptions>().BindConfiguration("Links")
            .Validate(o => o.Secret is { Length: >= 32 }, "Links:Secret must be set (at least 32 characters; environment variable Links__Secret): it signs the links in emails.")
            .ValidateOnStart();
        services.AddSingleton<LinkSigner>();
        services.AddSingleton<RecipientLinks>();
        services.AddSingleton<ConfirmationLinks>();
        services.AddSingleton<SignInLinks>();
        return services;
    }
}
