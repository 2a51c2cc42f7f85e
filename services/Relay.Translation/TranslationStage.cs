using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Storage;
using Relay.Translation.Detection;
using Relay.Translation.Providers;

namespace Relay.Translation;

/// <summary>
/// Brings a message to "translated": settles its language (detected when the sender gave none,
/// flagged when doubtful), then makes each planned language it lacks, once per language, trying
/// the routes best first (direct on the preferred provider, several targets in one request where
/// the provider allows; then other providers; then pivots), glossary terms protected throughout.
/// Each translation is stored as soon as it is made, so a retry resumes. A language no route
/// serves leaves the message "awaiting_translation" with the reason, for a coordinator.
/// </summary>
public sealed class TranslationStage(
    RelayDb db,
    RouteTranslator translator,
    LanguageDetector detector,
    IOptions<TranslationOptions> options,
    ILogger<TranslationStage> logger)
{
    private readonly TranslationOptions _options = options.Value;

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
        if (message.Status == MessageStatus.Received)
            SettleLanguage(message);
        var source = message.Language!;

        var plan = TranslationPlan.For(source, message.Recipients.Select(r => (IReadOnlyList<string>)r.Union!.Languages),
            message.Publish, TranslationOptions.Split(_options.PublicationLanguages));
        var wanted = plan.Required.Concat(plan.Optional).Where(l => message.Translations.All(t => t.Language != l)).ToList();
        var notes = new List<string>();
        if (wanted.Count > 0)
            await TranslateAsync(message, source, wanted, notes, cancellationToken);

        var missing = plan.Required.Where(l => message.Translations.All(t => t.Language != l)).ToList();
        message.TranslationNotes = notes;
        message.UpdatedAt = DateTime.UtcNow;
        var status = missing.Count > 0 ? MessageStatus.AwaitingTranslation : MessageStatus.Translated;
        if (status != message.Status)
        {
            message.Status = status;
            if (missing.Count > 0)
                db.Enqueue(new MessageAwaitingTranslation(message.Id, missing));
            else
                db.Enqueue(new MessageTranslated(message.Id, source, message.Translations.Select(t => t.Language).ToList()));
        }
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Message {MessageId} is {Status}: {Languages}{Notes}", messageId, status,
            string.Join(", ", message.Translations.Select(t => t.Language)), notes.Count > 0 ? " (" + string.Join("; ", notes) + ")" : "");
    }

    private void SettleLanguage(SolidarityMessage message)
    {
        // A thousand characters tell a language as surely as the whole letter, at a fraction of the cost
        // (detection runs on the same cores as the translation engines).
        var text = message.Title + "\n" + (message.Body.Length > 1000 ? message.Body[..1000] : message.Body);
        var detected = detector.Detect(text);
        message.LanguageFlags = [.. LanguageCheck.Flags(message.Language, detected, text, _options)];
        if (message.Language is null)
        {
            // Nothing recognised: assume English rather than stall; the flag sends it to a coordinator.
            message.Language = detected.Language ?? "en";
            message.LanguageDetected = true;
        }
        message.DetectionConfidence = detected.Language is null ? 0 : detected.Confidence;
        logger.LogInformation("Message {MessageId}: detected {Language} ({Confidence:P0}), stated {Stated}", message.Id,
            detected.Language, detected.Confidence, message.LanguageDetected ? "none" : message.Language);
    }

    private async Task TranslateAsync(SolidarityMessage message, string source, IReadOnlyList<string> languages, List<string> notes, CancellationToken cancellationToken)
    {
        var (pairs, problems) = await translator.PairsAsync(cancellationToken);
        notes.AddRange(problems);
        var glossary = await GlossaryAsync(cancellationToken);
        var title = Glossary.Protect(message.Title, glossary);
        var body = Glossary.Protect(message.Body, glossary);
        IReadOnlyList<string> texts = [title.Text, body.Text];

        var routes = languages.ToDictionary(l => l, l => TranslationRoutes.Find(source, l, pairs, _options.PreferenceFor, _options.MaxHops).ToList());
        foreach (var language in languages.Where(l => routes[l].Count == 0))
            notes.Add($"{language}: no provider covers {source}→{language}, directly or through another language");

        // First, every language whose best route is direct, one request per provider for all of them.
        foreach (var batch in languages.Where(l => routes[l].Count > 0 && !routes[l][0].IsPivot).GroupBy(l => routes[l][0].Providers))
        {
            try
            {
                var results = await translator.TranslateAsync(batch.Key, texts, source, batch.ToList(), cancellationToken);
                foreach (var language in batch)
                    await AddAsync(message, language, routes[language][0], results[language], title, body, notes, cancellationToken);
            }
            catch (TranslationFailedException e)
            {
                notes.Add($"{string.Join(", ", batch)}: {routes[batch.First()][0]} failed: {e.Message}");
            }
            foreach (var language in batch)
                routes[language].RemoveAt(0);
        }

        // Then the others, route by route, until one works.
        foreach (var language in languages)
        {
            foreach (var route in routes[language])
            {
                if (message.Translations.Any(t => t.Language == language))
                    break;
                try
                {
                    var result = await translator.TranslateAsync(route, texts, cancellationToken);
                    await AddAsync(message, language, route, result, title, body, notes, cancellationToken);
                }
                catch (TranslationFailedException e)
                {
                    notes.Add($"{language}: {route} failed: {e.Message}");
                }
            }
        }
    }

    private async Task AddAsync(SolidarityMessage message, string language, Route route, IReadOnlyList<string> result,
        ProtectedText title, ProtectedText body, List<string> notes, CancellationToken cancellationToken)
    {
        string restoredTitle, restoredBody;
        try
        {
            restoredTitle = Glossary.Restore(result[0], title, language);
            restoredBody = Glossary.Restore(result[1], body, language);
        }
        catch (TranslationFailedException e)
        {
            notes.Add($"{language}: {route}: {e.Message}");
            return;
        }
        message.Translations.Add(new Storage.Translation
        {
            MessageId = message.Id,
            Language = language,
            Title = restoredTitle,
            Body = restoredBody,
            Origin = TranslationOrigin.Machine,
            Provider = route.Providers,
            Path = route.IsPivot ? route.Path : null,
            At = DateTime.UtcNow,
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<GlossaryEntry>> GlossaryAsync(CancellationToken cancellationToken) =>
        (await db.Glossary.AsNoTracking().Include(g => g.Renderings).ToListAsync(cancellationToken))
            .Select(g => new GlossaryEntry(g.Term, g.Renderings.ToDictionary(r => r.Language, r => r.Text)))
            .ToList();
}
