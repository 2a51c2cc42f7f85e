using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.Extensions.Options;

namespace Relay.Intake.MailIntake;

/// <summary>
/// Polls Relay's intake mailbox over IMAP. Each unseen email is read, recorded (a message, a
/// refusal or an ignored mail, see <see cref="MailIntakeRecorder"/>), then flagged \Seen; a crash
/// in between only means it is read again, which the recorder recognises by its key.
/// </summary>
public sealed class IntakeMailbox(IServiceScopeFactory scopes, IOptions<MailIntakeOptions> options, ILogger<IntakeMailbox> logger) : BackgroundService
{
    private readonly MailIntakeOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            logger.LogInformation("No intake mailbox configured (MailIntake:Host): email is not read");
            return;
        }
        using var timer = new PeriodicTimer(_options.PollInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try { await PollAsync(stoppingToken); }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Reading the intake mailbox {Host}:{Port} failed; trying again in {Interval}", _options.Host, _options.Port, _options.PollInterval);
            }
        }
    }

    /// <summary>Reads every unseen email once. Returns how many were recorded or recognised (then flagged \Seen), and how many of them were new.</summary>
    public async Task<(int Emails, int New)> PollAsync(CancellationToken cancellationToken)
    {
        var host = _options.Host ?? throw new InvalidOperationException("No intake mailbox is configured (MailIntake:Host).");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        using var client = new ImapClient { Timeout = (int)_options.Timeout.TotalMilliseconds };
        await client.ConnectAsync(host, _options.Port, _options.Security, timeout.Token);
        await client.AuthenticateAsync(_options.Username ?? "", _options.Password ?? "", timeout.Token);
        var folder = await client.GetFolderAsync(_options.Folder, timeout.Token);
        await folder.OpenAsync(FolderAccess.ReadWrite, timeout.Token);

        var (emails, fresh) = (0, 0);
        foreach (var uid in await folder.SearchAsync(SearchQuery.NotSeen, timeout.Token))
        {
            var email = await folder.GetMessageAsync(uid, timeout.Token);
            try
            {
                var letter = InboundLetter.Read(email, _options);
                await using var scope = scopes.CreateAsyncScope();
                if (await scope.ServiceProvider.GetRequiredService<MailIntakeRecorder>().RecordAsync(letter, timeout.Token) is { } outcome)
                {
                    fresh++;
                    logger.LogInformation("Intake mailbox: \"{Subject}\" from {From}: {Outcome}", letter.Subject, letter.From, outcome);
                }
            }
            catch (Exception e) when (!timeout.IsCancellationRequested)
            {
                // Left unseen, so it is read again at the next poll; the emails after it are not held up.
                logger.LogError(e, "Intake mailbox: \"{Subject}\" from {From} could not be recorded; it stays unseen and is tried again", email.Subject, email.From);
                continue;
            }
            await folder.AddFlagsAsync(uid, MessageFlags.Seen, silent: true, timeout.Token);
            emails++;
        }
        await client.DisconnectAsync(quit: true, CancellationToken.None);
        if (emails > 0)
            logger.LogInformation("Intake mailbox: {Emails} emails read, {New} new", emails, fresh);
        return (emails, fresh);
    }
}
