using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Storage;
using Relay.Translation.Detection;

namespace Relay.Translation;

/// <summary>
/// Brings a message to "translated": detects its language when the sender gave none, translates
/// title and body into every planned language it lacks (each stored as soon as it is made, so a
/// retry resumes), and announces the result. A language no provider covers leaves the message
/// "awaiting_translation" for a coordinator; it is never dropped.
/// </summary>
public sealed class TranslationStage(
    RelayDb db,
    ITranslator translator,
    LanguageDetector detector,
    IOptions<TranslationOptions> options,
    ILogger<TranslationStage> logger)
{
    public async Task RunAsync(Guid messageId, CancellationToken cancellationToken)
    {
        var message = await db.Messages
            .Include(m => m.Recipients).ThenInclude(r => r.Union)
            .Include(m => m.Translations)
            .AsSplitQuery()
            .FirstOrDefaultAsync(m => m.Id == messageId, cancellationToken)
            ?? throw new InvalidOperationException($"Message {messageId} is not in the database.");

        if (message.Status is not (MessageStatus.Received or MessageStatus.AwaitingTranslation))
        {
            logger.LogInformation("Message {MessageId} is already {Status}; nothing to translate", messageId, message.Status);
            return;
        }

        var source = message.Language ??= Detect(message);
        var plan = TranslationPlan.For(source, message.Recipients.Select(r => (IReadOnlyList<string>)r.Union!.Languages),
            message.Publish, TranslationOptions.Split(options.Value.PublicationLanguages));

        var missing = new List<string>();
        foreach (var language in plan.Required.Concat(plan.Optional))
        {
            if (message.Translations.Any(t => t.Language == language))
                continue;
            if (!await translator.SupportsAsync(source, language, cancellationToken))
            {
                if (plan.Required.Contains(language))
                    missing.Add(language);
                continue;
            }
            message.Translations.Add(new Storage.Translation
            {
                MessageId = message.Id,
                Language = language,
                Title = await translator.TranslateAsync(message.Title, source, language, cancellationToken),
                Body = await translator.TranslateAsync(message.Body, source, language, cancellationToken),
                Origin = TranslationOrigin.Machine,
                Provider = translator.Name,
                At = DateTime.UtcNow,
            });
            await db.SaveChangesAsync(cancellationToken);
        }

        var status = missing.Count > 0 ? MessageStatus.AwaitingTranslation : MessageStatus.Translated;
        if (status == message.Status)
            return;
        message.Status = status;
        message.UpdatedAt = DateTime.UtcNow;
        if (missing.Count > 0)
            db.Enqueue(new MessageAwaitingTranslation(message.Id, missing));
        else
            db.Enqueue(new MessageTranslated(message.Id, source, message.Translations.Select(t => t.Language).ToList()));
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Message {MessageId} is {Status} ({Languages})", messageId, status,
            string.Join(", ", missing.Count > 0 ? missing : message.Translations.Select(t => t.Language)));
    }

    private string Detect(SolidarityMessage message)
    {
        var detected = detector.Detect(message.Title + "\n" + message.Body);
        message.LanguageDetected = true;
        logger.LogInformation("Message {MessageId}: detected {Language} ({Confidence:P0})", message.Id, detected.Language, detected.Confidence);
        // Nothing recognised: treat it as English rather than stall; moderation and the coordinator see it was detected.
        return detected.Language ?? "en";
    }
}
