using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Storage;

namespace Relay.Publication;

/// <summary>
/// Puts an approved message on the public site when its sender agreed to publish: from then on the
/// site lists it in the original and every language it has a translation in. Publishing twice is a no-op.
/// </summary>
public sealed class PublicationStage(RelayDb db, IOptions<PublicationOptions> options, ILogger<PublicationStage> logger)
{
    public async Task RunAsync(Guid messageId, CancellationToken cancellationToken)
    {
        var message = await db.Messages.Include(m => m.Translations)
            .FirstOrDefaultAsync(m => m.Id == messageId, cancellationToken)
            ?? throw new InvalidOperationException($"Message {messageId} is not in the database.");
        if (!ShouldPublish(message))
        {
            logger.LogInformation("Message {MessageId} is not to be published (publish={Publish}, published={PublishedAt})",
                messageId, message.Publish, message.PublishedAt);
            return;
        }

        message.PublishedAt = DateTime.UtcNow;
        message.PublicationUrl = $"{options.Value.PublicBaseUrl.TrimEnd('/')}/messages/{message.Id}";
        var languages = message.Translations.Select(t => t.Language).Prepend(message.Language ?? "und").Distinct().ToList();
        db.Enqueue(new MessagePublished(message.Id, message.PublicationUrl, languages));
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Message {MessageId} published at {Url} in {Languages}", messageId, message.PublicationUrl, string.Join(", ", languages));
    }

    /// <summary>Only approved messages whose sender said publish, and only once.</summary>
    public static bool ShouldPublish(SolidarityMessage message) =>
        message.Publish && message.PublishedAt is null && message.TakenDownAt is null
        && message.Status is MessageStatus.Approved or MessageStatus.Delivered or MessageStatus.Failed;
}
