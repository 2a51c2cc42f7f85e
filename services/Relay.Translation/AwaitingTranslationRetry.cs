using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Translation;

/// <summary>
/// Tries a message waiting for a translation again on its own, every
/// <see cref="TranslationOptions.RetryAwaitingEvery"/> for <see cref="TranslationOptions.RetryAwaitingFor"/>
/// after it was received: a provider that was down or too slow (APY restarting, Azure throttling) is
/// usually back within minutes, and a coordinator should not have to ask for each message. The
/// attempt goes through the queue like a coordinator's retry; moving the message's UpdatedAt (its
/// concurrency token) with it means one worker, of several scanning, sends it.
/// </summary>
public sealed class AwaitingTranslationRetry(IServiceScopeFactory scopes, IOptions<TranslationOptions> options, ILogger<AwaitingTranslationRetry> logger)
    : PeriodicWork(options.Value.RetryAwaitingEvery, logger)
{
    protected override string Doing => "Retrying messages that wait for a translation";

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => RetryDueAsync(cancellationToken);

    /// <summary>Asks for another attempt at every message whose last one is older than the interval; returns how many.</summary>
    public async Task<int> RetryDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RelayDb>();
        var now = DateTime.UtcNow;
        var lastTry = now - options.Value.RetryAwaitingEvery;
        var receivedSince = now - options.Value.RetryAwaitingFor;
        var due = await db.Messages
            .Where(m => m.Status == MessageStatus.AwaitingTranslation && m.UpdatedAt <= lastTry && m.ReceivedAt >= receivedSince)
            .OrderBy(m => m.UpdatedAt).Take(100).ToListAsync(cancellationToken);
        foreach (var message in due)
        {
            message.UpdatedAt = now;
            db.Enqueue(new TranslationRetryRequested(message.Id));
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another worker (or the stage) moved one of them meanwhile: the next scan sees the rest.
            return 0;
        }
        if (due.Count > 0)
            logger.LogInformation("{Count} messages waiting for a translation tried again", due.Count);
        return due.Count;
    }
}
