using Relay.ServiceDefaults.Mailboxes;

namespace Relay.Intake.MailIntake;

/// <summary>
/// The "MailIntake" section: Relay's intake mailbox, read over IMAP. Off while Host is unset. The
/// password comes from the environment (MailIntake__Password).
/// </summary>
public class MailIntakeOptions : MailboxOptions
{
    /// <summary>The address unions write to; <c>relay+&lt;union-slug&gt;@domain</c> names a recipient.</summary>
    public string Address { get; set; } = "relay@relay.localhost";
    /// <summary>
    /// The authserv-id of the receiving mail server: only an Authentication-Results header it added
    /// counts (a sender can write any such header into its own mail).
    /// </summary>
    public string? TrustedAuthServId { get; set; }
}
