using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Storage;

namespace Relay.Delivery.Bounces;

/// <summary>
/// Polls the bounce mailbox over IMAP for delivery status notifications. Each unseen message is
/// read, its notices recorded, then flagged \Seen; a crash in between only means it is read again,
/// which <see cref="BounceRecorder"/> recognises. Anything that is not a notification is flagged
/// seen and left for a person to read.
/// </summary>
public sealed class BounceMailbox(IServiceScopeFactory scopes, IOptions<BounceOptions> options, ILogger<BounceMailbox> logger) : BackgroundService
{
    private readonly BounceOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            logger.LogInformation("No bounce mailbox configured (Bounces:Host): bounces are not read");
            return;
        }
        using var timer = new PeriodicTimer(_options.PollInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try { await PollAsync(stoppingToken); }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Reading the bounce mailbox {Host}:{Port} failed; trying again in {Interval}", _options.Host, _options.Port, _options.PollInterval);
            }
        }
    }

    /// <summary>Reads every unseen message once. Returns how many messages were read and how many new notices they held.</summary>
    public async Task<(int Messages, int Notices)> PollAsync(CancellationToken cancellationToken)
    {
        var host = _options.Host ?? throw new InvalidOperationException("No bounce mailbox is configured (Bounces:Host).");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        using var client = new ImapClient { Timeout = (int)_options.Timeout.TotalMilliseconds };
        await client.ConnectAsync(host, _options.Port, _options.Security, timeout.Token);
        await client.AuthenticateAsync(_options.Username ?? "", _options.Password ?? "", timeout.Token);
        var folder = await client.GetFolderAsync(_options.Folder, timeout.Token);
        await folder.OpenAsync(FolderAccess.ReadWrite, timeout.Token);

        var (messages, notices) = (0, 0);
        foreach (var uid in await folder.SearchAsync(SearchQuery.NotSeen, timeout.Token))
        {
            var message = await folder.GetMessageAsync(uid, timeout.Token);
            var found = BounceReport.Read(message);
            if (found.Count > 0)
            {
                await using var scope = scopes.CreateAsyncScope();
                try
                {
                    notices += await scope.ServiceProvider.GetRequiredService<BounceRecorder>().RecordAsync(found, timeout.Token);
                }
                catch (DbUpdateException)
                {
                    // Two workers reading the mailbox at once: the other one recorded it first.
                    if (!await AlreadyRecordedAsync(found, timeout.Token))
                        throw;
                    logger.LogInformation("Bounce \"{Subject}\" was recorded by another worker meanwhile", message.Subject);
                }
            }
            else
                logger.LogInformation("Bounce mailbox: \"{Subject}\" from {From} is not a delivery status notification; left for a person", message.Subject, message.From);
            await folder.AddFlagsAsync(uid, MessageFlags.Seen, silent: true, timeout.Token);
            messages++;
        }
        await client.DisconnectAsync(quit: true, CancellationToken.None);
        if (messages > 0)
            logger.LogInformation("Bounce mailbox: {Messages} messages read, {Notices} new notices", messages, notices);
        return (messages, notices);
    }

    private async Task<bool> AlreadyRecordedAsync(IReadOnlyList<BounceNotice> notices, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var keys = notices.Select(n => n.Key).ToList();
        return await scope.ServiceProvider.GetRequiredService<RelayDb>().Bounces.CountAsync(b => keys.Contains(b.Key), cancellationToken) == keys.Count;
    }
}
