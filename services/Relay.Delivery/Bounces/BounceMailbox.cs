using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Relay.ServiceDefaults.Mailboxes;
using Relay.Storage;

namespace Relay.Delivery.Bounces;

/// <summary>
/// Polls the bounce mailbox over IMAP for delivery status notifications (<see cref="PolledMailbox"/>):
/// each one's notices are recorded once (<see cref="BounceRecorder"/> recognises a notice read
/// again). Anything that is not a notification is flagged seen and left for a person to read.
/// </summary>
public sealed class BounceMailbox(IServiceScopeFactory scopes, IOptions<BounceOptions> options, ILogger<BounceMailbox> logger)
    : PolledMailbox(options.Value, "bounce mailbox", "Bounces", logger)
{
    protected override async Task<int> HandleAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var found = BounceReport.Read(message);
        if (found.Count == 0)
        {
            logger.LogInformation("Bounce mailbox: \"{Subject}\" from {From} is not a delivery status notification; left for a person", message.Subject, message.From);
            return 0;
        }
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            return await scope.ServiceProvider.GetRequiredService<BounceRecorder>().RecordAsync(found, cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two workers reading the mailbox at once: the other one recorded it first.
            if (!await AlreadyRecordedAsync(found, cancellationToken))
                throw;
            logger.LogInformation("Bounce \"{Subject}\" was recorded by another worker meanwhile", message.Subject);
            return 0;
        }
    }

    private async Task<bool> AlreadyRecordedAsync(IReadOnlyList<BounceNotice> notices, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var keys = notices.Select(n => n.Key).ToList();
        return await scope.ServiceProvider.GetRequiredService<RelayDb>().Bounces.CountAsync(b => keys.Contains(b.Key), cancellationToken) == keys.Count;
    }
}
