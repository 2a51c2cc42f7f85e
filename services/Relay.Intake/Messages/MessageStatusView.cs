using Relay.Storage;

namespace Relay.Intake;

/// <summary>What GET /api/messages/{id} answers: every stage as it happens.</summary>
public sealed record MessageStatusView(
    Guid Id,
    string Status,
    string Title,
    string? Language,
    bool LanguageDetected,
    double? DetectionConfidence,
    IReadOnlyList<string> LanguageFlags,
    IReadOnlyList<string> TranslationNotes,
    SenderView Sender,
    IReadOnlyList<UnionRef> Recipients,
    DateTime ReceivedAt,
    DateTime UpdatedAt,
    IReadOnlyList<TranslationView> Translations,
    ModerationView Moderation,
    IReadOnlyList<DeliveryView> Deliveries,
    PublicationView Publication)
{
    public static MessageStatusView From(SolidarityMessage m) => new(
        m.Id, m.Status, m.Title, m.Language, m.LanguageDetected, m.DetectionConfidence, m.LanguageFlags, m.TranslationNotes,
        SenderView.Of(m),
        m.Recipients.Select(r => new UnionRef(r.UnionId, r.Union?.Name)).ToList(),
        m.ReceivedAt, m.UpdatedAt,
        m.Translations.OrderBy(t => t.Language).Select(t => new TranslationView(t.Language, t.Title, t.Body, t.Origin, t.Provider, t.Path is not null, t.Path, t.At)).ToList(),
        new ModerationView(m.ModerationDecision, m.ModerationReasons, m.DecidedBy),
        m.Deliveries.OrderBy(d => d.At).Select(d => new DeliveryView(d.RecipientUnionId,
            m.Recipients.FirstOrDefault(r => r.UnionId == d.RecipientUnionId)?.Union?.Name,
            d.Language, d.Status, d.Detail, d.Attempts, d.At, d.NextAttemptAt)).ToList(),
        new PublicationView(m.PublicationUrl, m.PublishedAt, m.TakenDownAt, m.TakedownReason));
}

public sealed record UnionRef(Guid Id, string? Name);

/// <summary>Who sent a message: a union of the directory (<c>kind</c> "union", its id), or a supporter (<c>kind</c> "supporter", no id).</summary>
public sealed record SenderView(Guid? Id, string? Name, string Kind)
{
    public static SenderView Of(SolidarityMessage m) => new(m.SenderUnionId, m.SenderName, m.FromSupporter ? "supporter" : "union");
}
/// <summary>A translation: <c>origin</c> machine or human; a pivoted one names the languages it went through (<c>path</c> "fr>es>pt").</summary>
public sealed record TranslationView(string Language, string Title, string Body, string Origin, string Provider, bool Pivoted, string? Path, DateTime At);
public sealed record ModerationView(string? Decision, IReadOnlyList<string> Reasons, string? DecidedBy);
/// <summary>A delivery: <c>detail</c> is the last SMTP reply or error; a deferred one says when it is tried next.</summary>
public sealed record DeliveryView(Guid Recipient, string? RecipientName, string Language, string Status, string? Detail, int Attempts, DateTime At, DateTime? NextAttemptAt);
/// <summary>Where the message is published; a publication coordinators took down says when and why.</summary>
public sealed record PublicationView(string? Url, DateTime? PublishedAt, DateTime? TakenDownAt, string? TakedownReason);
