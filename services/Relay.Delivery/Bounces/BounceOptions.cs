using Relay.ServiceDefaults.Mailboxes;

namespace Relay.Delivery.Bounces;

/// <summary>The "Bounces" section: the IMAP mailbox that receives Relay's bounces (its Return-Path). Off while Host is unset. The password comes from the environment (Bounces__Password).</summary>
public class BounceOptions : MailboxOptions
{
    /// <summary>Hard bounces from an address after which its union no longer receives messages.</summary>
    public int SuppressAfter { get; set; } = 3;
}
