using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Relay.ServiceDefaults.Mailboxes;

/// <summary>An IMAP mailbox Relay reads. Off while Host is unset; the password comes from the environment.</summary>
public class MailboxOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 143;
    /// <summary>None, Auto, StartTls, StartTlsWhenAvailable or SslOnConnect.</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTlsWhenAvailable;
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string Folder { get; set; } = "INBOX";
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>Longest a connect, login or fetch may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public bool Enabled => !string.IsNullOrEmpty(Host);
}

/// <summary>
/// Polls a mailbox over IMAP: each unseen email is handed to <see cref="HandleAsync"/>, then flagged
/// \Seen. A crash in between only means it is read again, which the handler must recognise; an
/// email the handler fails on stays unseen for the next poll and does not hold up the others.
/// </summary>
public abstract class PolledMailbox(MailboxOptions options, string name, string section, ILogger logger) : BackgroundService
{
    /// <summary>Records one email; returns how many new things it found in it (0 when it was known already). Throws to leave it unseen.</summary>
    protected abstract Task<int> HandleAsync(MimeMessage email, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            logger.LogInformation("No {Mailbox} configured ({Section}:Host): it is not read", name, section);
            return;
        }
        using var timer = new PeriodicTimer(options.PollInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try { await PollAsync(stoppingToken); }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Reading the {Mailbox} {Host}:{Port} failed; trying again in {Interval}", name, options.Host, options.Port, options.PollInterval);
            }
        }
    }

    /// <summary>Reads every unseen email once. Returns how many were handled (then flagged \Seen) and how many new things they held.</summary>
    public async Task<(int Emails, int New)> PollAsync(CancellationToken cancellationToken)
    {
        var host = options.Host ?? throw new InvalidOperationException($"No {name} is configured ({section}:Host).");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        using var client = new ImapClient { Timeout = (int)options.Timeout.TotalMilliseconds };
        await client.ConnectAsync(host, options.Port, options.Security, timeout.Token);
        await client.AuthenticateAsync(options.Username ?? "", options.Password ?? "", timeout.Token);
        var folder = await client.GetFolderAsync(options.Folder, timeout.Token);
        await folder.OpenAsync(FolderAccess.ReadWrite, timeout.Token);

        var (emails, fresh) = (0, 0);
        foreach (var uid in await folder.SearchAsync(SearchQuery.NotSeen, timeout.Token))
        {
            var email = await folder.GetMessageAsync(uid, timeout.Token);
            try
            {
                fresh += await HandleAsync(email, timeout.Token);
            }
            catch (Exception e) when (!timeout.IsCancellationRequested)
            {
                logger.LogError(e, "{Mailbox}: \"{Subject}\" from {From} could not be recorded; it stays unseen and is tried again", name, email.Subject, email.From);
                continue;
            }
            await folder.AddFlagsAsync(uid, MessageFlags.Seen, silent: true, timeout.Token);
            emails++;
        }
        await client.DisconnectAsync(quit: true, CancellationToken.None);
        if (emails > 0)
            logger.LogInformation("{Mailbox}: {Emails} emails read, {New} new", name, emails, fresh);
        return (emails, fresh);
    }
}
