using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Relay.ServiceDefaults;

/// <summary>The "Links" section. The secret comes from the environment (Links__Secret), never from a committed file.</summary>
public class LinkOptions
{
    /// <summary>Signs the links in emails; at least 32 characters. Changing it breaks every link already sent.</summary>
    public string? Secret { get; set; }
}

/// <summary>
/// Signed links that let a recipient union act without an account: the link in every email names
/// the union and carries an HMAC over it, so only Relay can make one and no one can change the
/// union in it. The links do not expire: an opt-out link in an old email must still work.
/// </summary>
public sealed class RecipientLinks
{
    private const int MacLength = 16;
    private readonly byte[] _key;

    public RecipientLinks(IOptions<LinkOptions> options)
    {
        var secret = options.Value.Secret;
        if (secret is not { Length: >= 32 })
            throw new OptionsValidationException("Links", typeof(LinkOptions),
                ["Links:Secret must be set (at least 32 characters; environment variable Links__Secret): it signs the opt-out links in emails. deploy/local/up.sh generates one into .relay/secrets.env."]);
        _key = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("relay-recipient-links\n" + secret));
    }

    /// <summary>The token of a union's links: its id and a MAC, base64url (43 characters).</summary>
    public string TokenFor(Guid unionId)
    {
        var data = new byte[16 + MacLength];
        unionId.TryWriteBytes(data);
        Mac(data.AsSpan(0, 16)).CopyTo(data, 16);
        return Base64Url(data);
    }

    /// <summary>The union a token names, when Relay made it.</summary>
    public bool TryRead(string? token, out Guid unionId)
    {
        unionId = Guid.Empty;
        var data = FromBase64Url(token);
        if (data is not { Length: 16 + MacLength } || !CryptographicOperations.FixedTimeEquals(Mac(data.AsSpan(0, 16)), data.AsSpan(16)))
            return false;
        unionId = new Guid(data.AsSpan(0, 16));
        return true;
    }

    /// <summary>The page where a union opts out or changes its languages (also the RFC 8058 one-click target).</summary>
    public string PreferencesUrl(string publicBaseUrl, Guid unionId) => $"{publicBaseUrl.TrimEnd('/')}/preferences/{TokenFor(unionId)}";

    private byte[] Mac(ReadOnlySpan<byte> data) => HMACSHA256.HashData(_key, data)[..MacLength];

    private static string Base64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

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

public static class RecipientLinksExtensions
{
    /// <summary>Signed recipient links; the process does not start without a secret.</summary>
    public static IServiceCollection AddRecipientLinks(this IServiceCollection services)
    {
        services.AddOptions<LinkOptions>().BindConfiguration("Links")
            .Validate(o => o.Secret is { Length: >= 32 }, "Links:Secret must be set (at least 32 characters; environment variable Links__Secret): it signs the opt-out links in emails.")
            .ValidateOnStart();
        services.AddSingleton<RecipientLinks>();
        return services;
    }
}
