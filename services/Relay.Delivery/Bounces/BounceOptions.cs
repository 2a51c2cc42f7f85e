using MailKit.Security;

namespace Relay.Delivery.Bounces;

/// <summary>The "Bounces" section: the IMAP mailbox that receives Relay's bounces (its Return-Path). Off while Host is unset. The password comes from the environment (Bounces__Password).</summary>
public class BounceOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 143;
    /// <summary>None, Auto, StartTls, StartTlsWhenAvailable or SslOnConnect.</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTlsWhenAvailable;
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string Folder { get; set; } = "INBOX";
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>Hard bounces from an address after which its union no longer receives messages.</summary>
    public int SuppressAfter { get; set; } = 3;
    /// <summary>Longest a connect, login or fetch may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public bool Enabled => !string.IsNullOrEmpty(Host);
}
