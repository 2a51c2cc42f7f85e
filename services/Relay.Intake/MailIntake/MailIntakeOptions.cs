using MailKit.Security;

namespace Relay.Intake.MailIntake;

/// <summary>
/// The "MailIntake" section: Relay's intake mailbox, read over IMAP. Off while Host is unset. The
/// password comes from the environment (MailIntake__Password).
/// </summary>
public class MailIntakeOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 143;
    /// <summary>None, Auto, StartTls, StartTlsWhenAvailable or SslOnConnect.</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTlsWhenAvailable;
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string Folder { get; set; } = "INBOX";
    /// <summary>The address unions write to; <c>relay+&lt;union-slug&gt;@domain</c> names a recipient.</summary>
    public string Address { get; set; } = "relay@relay.localhost";
    /// <summary>
    /// The authserv-id of the receiving mail server: only an Authentication-Results header it added
    /// counts (a sender can write any such header into its own mail).
    /// </summary>
    public string? TrustedAuthServId { get; set; }
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>Longest a connect, login or fetch may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public bool Enabled => !string.IsNullOrEmpty(Host);
}
