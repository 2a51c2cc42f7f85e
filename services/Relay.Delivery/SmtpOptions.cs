using MailKit.Security;

namespace Relay.Delivery;

/// <summary>The "Smtp" section: the relay host Relay hands mail to. Credentials come from the environment (Smtp__Password).</summary>
public class SmtpOptions
{
    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 1025;
    /// <summary>None, Auto, StartTls, StartTlsWhenAvailable or SslOnConnect.</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.None;
    public string? Username { get; set; }
    public string? Password { get; set; }
    /// <summary>
    /// The relay's TLS certificate to trust, by its SHA-256 (64 hex digits) or SHA-1 (40) thumbprint;
    /// colons and spaces are ignored. When set, exactly that certificate is accepted (a self-signed
    /// relay); when unset, the certificate must validate normally.
    /// </summary>
    public string? CertificateThumbprint { get; set; }
    /// <summary>Connections kept open and reused; one MailKit client each (a client is not thread-safe).</summary>
    public int PoolSize { get; set; } = 2;
    /// <summary>Longest a connect, authentication or send may take before it counts as a temporary failure.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>A pooled connection idle this long is closed and opened afresh: servers drop idle clients, and a half-closed socket still looks connected.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(20);
}

/// <summary>The "Mail" section: how Relay's emails present themselves.</summary>
public class MailOptions
{
    /// <summary>Relay's own address; the sending union's name is its display name.</summary>
    public string FromAddress { get; set; } = "relay@relay.localhost";
    /// <summary>The domain of stable Message-IDs.</summary>
    public string MessageIdDomain { get; set; } = "relay.localhost";
    /// <summary>The public site, for links in emails.</summary>
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:8080";
    /// <summary>Where notices for coordinators go (a union suppressed after bounces or opting out).</summary>
    public string CoordinatorsAddress { get; set; } = "coordinators@relay.localhost";
}
