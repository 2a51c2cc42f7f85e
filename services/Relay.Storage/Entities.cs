namespace Relay.Storage;

/// <summary>A union of the directory. Only unions can be recipients: Relay is never an open relay.</summary>
public class Union
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    /// <summary>ISO 3166 alpha-2.</summary>
    public required string Country { get; set; }
    /// <summary>BCP-47 codes, ordered: the first is preferred.</summary>
    public List<string> Languages { get; set; } = [];
    /// <summary>Where its mail goes; never shown publicly.</summary>
    public required string Email { get; set; }
    /// <summary>SHA-256 of the union's API key; the key itself is shown once and never stored.</summary>
    public required string ApiKeyHash { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>When the union stopped receiving messages (it opted out, or its address kept bouncing); null while it receives them.</summary>
    public DateTime? SuppressedAt { get; set; }
    /// <summary>Why it no longer receives messages, as the sender and coordinators see it.</summary>
    public string? SuppressedReason { get; set; }
    /// <summary>Hard bounces from its address since it last changed or was reinstated.</summary>
    public int BounceCount { get; set; }
    public DateTime? LastBounceAt { get; set; }
    /// <summary>When coordinators were told of the current suppression.</summary>
    public DateTime? SuppressionNoticeSentAt { get; set; }
    /// <summary>It asked that every message sent to it is read by a coordinator first (moderation holds them all).</summary>
    public bool ReviewIncoming { get; set; }
    /// <summary>When a sign-in link was last emailed to it (at most one a minute).</summary>
    public DateTime? SignInLinkSentAt { get; set; }
    /// <summary>Sign-in links issued at or before this were used or replaced: each link signs in once.</summary>
    public DateTime? SignInLinksSpentUntil { get; set; }
    /// <summary>When a coordinator erased it: its name and address were replaced, its key revoked; the row stays so that other unions' messages keep their recipient.</summary>
    public DateTime? ErasedAt { get; set; }

    public string PreferredLanguage => Languages.Count > 0 ? Languages[0] : "en";
    public bool IsSuppressed => SuppressedAt is not null;
}

public static class MessageStatus
{
    /// <summary>Waits for its sender to confirm it through the link emailed to them; nothing else happens before.</summary>
    public const string AwaitingConfirmation = "awaiting_confirmation";
    /// <summary>Came by email naming no recipient: a coordinator chooses them at the review desk.</summary>
    public const string AwaitingRecipients = "awaiting_recipients";
    public const string Received = "received";
    public const string AwaitingTranslation = "awaiting_translation";
    public const string Translated = "translated";
    public const string Held = "held";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Delivered = "delivered";
    /// <summary>Every delivery failed permanently or was suppressed.</summary>
    public const string Failed = "failed";
}

public class SolidarityMessage
{
    public Guid Id { get; set; }
    /// <summary>The union that sent it; null when a supporter did (<see cref="SupporterId"/>).</summary>
    public Guid? SenderUnionId { get; set; }
    public Union? Sender { get; set; }
    /// <summary>The person who sent it through the supporters' form or by email from an address that is no union's.</summary>
    public Guid? SupporterId { get; set; }
    public Supporter? Supporter { get; set; }
    /// <summary>How it reached Relay (<see cref="MessageChannel"/>).</summary>
    public string Channel { get; set; } = MessageChannel.Api;
    /// <summary>Where the link that confirms it was sent, while it waits for that (a supporter's address, or a union's registered one when its email was not verified).</summary>
    public string? ConfirmationAddress { get; set; }
    public DateTime? ConfirmationSentAt { get; set; }
    public DateTime? ConfirmedAt { get; set; }
    public required string Title { get; set; }
    public required string Body { get; set; }
    /// <summary>The original's language: stated by the sender, or detected by the translation stage.</summary>
    public string? Language { get; set; }
    public bool LanguageDetected { get; set; }
    /// <summary>How sure the detector was of the language it found (0–1); null when the sender stated it and detection agreed or was not run.</summary>
    public double? DetectionConfidence { get; set; }
    /// <summary>Doubts about the language for moderation to weigh ("language-mismatch: …", "language-uncertain: …").</summary>
    public List<string> LanguageFlags { get; set; } = [];
    /// <summary>Why a language is still missing or was made the way it was ("uk: no provider covers en→uk").</summary>
    public List<string> TranslationNotes { get; set; } = [];
    public string? Author { get; set; }
    public bool Publish { get; set; }
    public string Status { get; set; } = MessageStatus.Received;
    public string? IdempotencyKey { get; set; }
    public DateTime ReceivedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>approve, hold or reject; null until screened.</summary>
    public string? ModerationDecision { get; set; }
    public List<string> ModerationReasons { get; set; } = [];
    public string? DecidedBy { get; set; }
    public DateTime? PublishedAt { get; set; }
    public string? PublicationUrl { get; set; }
    /// <summary>When a coordinator took the publication down: the public site no longer shows it, and it is never published again.</summary>
    public DateTime? TakenDownAt { get; set; }
    public string? TakedownReason { get; set; }
    /// <summary>When the sending union was told how its message ended: who received it and who did not, or why it was rejected.</summary>
    public DateTime? SummarySentAt { get; set; }
    /// <summary>While a worker sends the summary (or the rejection notice): no other sends it until then; a worker that died mid-send leaves it due again after.</summary>
    public DateTime? SummaryClaimedUntil { get; set; }
    /// <summary>When its sender's personal details (the confirmation address; a private person's signature) were removed: the text stays.</summary>
    public DateTime? AnonymisedAt { get; set; }

    public List<MessageRecipient> Recipients { get; set; } = [];
    public List<Translation> Translations { get; set; } = [];
    public List<Delivery> Deliveries { get; set; } = [];

    /// <summary>A person rather than a union of the directory sent it: moderation weighs it as from an unverified sender.</summary>
    public bool FromSupporter => SenderUnionId is null;
    /// <summary>How the sender is named on pages and in emails (needs <see cref="Sender"/> or <see cref="Supporter"/> loaded).</summary>
    public string SenderName => Sender?.Name ?? Supporter?.DisplayName ?? "";
    /// <summary>Where notices to the sender go: the union's registered address or the supporter's.</summary>
    public string? SenderEmail => Sender?.Email ?? Supporter?.Email;
    /// <summary>The language notices to the sender are written in.</summary>
    public string SenderLanguage => Sender?.PreferredLanguage ?? Language ?? "en";
}

public static class MessageChannel
{
    public const string Api = "api";
    /// <summary>The unions' form (/write).</summary>
    public const string Form = "form";
    /// <summary>The supporters' form (/support), for people without a key.</summary>
    public const string SupporterForm = "supporter-form";
    public const string Email = "email";
}

/// <summary>
/// A person who wrote without a union's key: through the supporters' form, or by email from an
/// address that is no union's. Known by their address; each of their messages goes on only once
/// confirmed through a link sent there.
/// </summary>
public class Supporter
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public string? Organisation { get; set; }
    /// <summary>Lower-cased; one supporter per address.</summary>
    public required string Email { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>When their name, organisation and address were replaced (after the retention period, or erased at their request).</summary>
    public DateTime? AnonymisedAt { get; set; }

    public string DisplayName => Organisation is { Length: > 0 } o ? $"{Name} ({o})" : Name;
}

/// <summary>
/// An email read from Relay's intake mailbox, recorded once (keyed by its Message-ID), so reading
/// the mailbox again never makes a second message or a second reply.
/// </summary>
public class InboundMail
{
    /// <summary>SHA-256 (hex) of the mail's Message-ID, or of its raw bytes when it has none.</summary>
    public required string Key { get; set; }
    public required string From { get; set; }
    public string? Subject { get; set; }
    /// <summary>What became of it (submitted, triage, awaiting-confirmation, refused).</summary>
    public required string Outcome { get; set; }
    public string? Detail { get; set; }
    public Guid? MessageId { get; set; }
    public DateTime ReceivedAt { get; set; }
    /// <summary>When the answer to it was sent (a refusal's polite reply); the claim that sends it once.</summary>
    public DateTime? RepliedAt { get; set; }
    /// <summary>When its sender's address, subject and detail were removed; the key stays, so the mail is still recognised.</summary>
    public DateTime? AnonymisedAt { get; set; }
}

public class MessageRecipient
{
    public Guid MessageId { get; set; }
    public Guid UnionId { get; set; }
    public Union? Union { get; set; }
}

public static class TranslationOrigin
{
    public const string Machine = "machine";
    public const string Human = "human";
}

/// <summary>One translation per (message, language), never one per recipient.</summary>
public class Translation
{
    public Guid MessageId { get; set; }
    public required string Language { get; set; }
    public required string Title { get; set; }
    public required string Body { get; set; }
    /// <summary>machine or human.</summary>
    public required string Origin { get; set; }
    /// <summary>The provider ("apertium") or, for a human translation, who supplied it.</summary>
    public required string Provider { get; set; }
    /// <summary>For a pivoted translation, the languages it went through ("fr>es>pt"); null when direct.</summary>
    public string? Path { get; set; }
    public DateTime At { get; set; }
}

public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Deferred = "deferred";
    public const string Failed = "failed";
    public const string Suppressed = "suppressed";

    public static bool IsFinal(string status) => status is Sent or Failed or Suppressed;
}

/// <summary>One email to one recipient union; created before sending so that nothing is sent twice.</summary>
public class Delivery
{
    public Guid Id { get; set; }
    public Guid MessageId { get; set; }
    public Guid RecipientUnionId { get; set; }
    public required string Address { get; set; }
    public required string Language { get; set; }
    public string Status { get; set; } = DeliveryStatus.Pending;
    /// <summary>The last SMTP reply or error.</summary>
    public string? Detail { get; set; }
    public int Attempts { get; set; }
    public DateTime At { get; set; }
    /// <summary>When the first attempt was made; a deferred delivery is given up a set time after it.</summary>
    public DateTime? FirstAttemptAt { get; set; }
    /// <summary>When a deferred delivery is tried again (kept in the database, so it survives restarts).</summary>
    public DateTime? NextAttemptAt { get; set; }
    /// <summary>Stable per (message, recipient), so a redelivery is recognisable.</summary>
    public required string EmailMessageId { get; set; }
}

/// <summary>
/// A delivery status notification found in the bounce mailbox, recorded once (keyed by the
/// notification's own Message-ID and the recipient it reports), so reading the mailbox again
/// never counts a bounce twice.
/// </summary>
/// <summary>Who decided, edited or took down what, when and why: one row per act, never changed.</summary>
public class AuditEntry
{
    public Guid Id { get; set; }
    public DateTime At { get; set; }
    /// <summary>"rules", or the coordinator as they signed in.</summary>
    public required string Actor { get; set; }
    /// <summary>approve, hold, reject, edit-translation, takedown, choose-recipients, export or erase (<see cref="AuditAction"/>).</summary>
    public required string Action { get; set; }
    public Guid? MessageId { get; set; }
    /// <summary>What was acted on ("es translation: title and body").</summary>
    public string? Detail { get; set; }
    /// <summary>Why, as the actor gave it (a coordinator's reason, the rules' objections).</summary>
    public string? Reason { get; set; }
}

public static class AuditAction
{
    public const string Approve = "approve";
    public const string Hold = "hold";
    public const string Reject = "reject";
    public const string EditTranslation = "edit-translation";
    public const string Takedown = "takedown";
    /// <summary>A coordinator chose the recipients of a message that came by email naming none.</summary>
    public const string ChooseRecipients = "choose-recipients";
    /// <summary>A coordinator exported everything Relay holds about a union or a supporter.</summary>
    public const string Export = "export";
    /// <summary>A coordinator erased a union's or a supporter's personal data.</summary>
    public const string Erase = "erase";
}

public class Bounce
{
    /// <summary>SHA-256 of the notification's Message-ID and the failed recipient.</summary>
    public required string Key { get; set; }
    public required string Address { get; set; }
    /// <summary>failed or delayed (RFC 3464 Action).</summary>
    public required string Action { get; set; }
    /// <summary>The enhanced status code, such as 5.1.1.</summary>
    public required string Status { get; set; }
    public string? Diagnostic { get; set; }
    /// <summary>A permanent failure (action failed, status 5.x.x): it counts towards suppression.</summary>
    public bool Hard { get; set; }
    public Guid? UnionId { get; set; }
    public Guid? DeliveryId { get; set; }
    public DateTime ReceivedAt { get; set; }
}

/// <summary>An event recorded in the same transaction as the state it announces, published later with confirms.</summary>
public class OutboxMessage
{
    public long Id { get; set; }
    /// <summary>Used as the bus MessageId, so a re-publication after a crash is recognisable.</summary>
    public Guid EventId { get; set; }
    public required string EventType { get; set; }
    public required string Payload { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? DispatchedAt { get; set; }
    public DateTime? LockedUntil { get; set; }
    public Guid? LockToken { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
}

/// <summary>A coordinator's API key, stored hashed.</summary>
public class CoordinatorKey
{
    public Guid Id { get; set; }
    public required string KeyHash { get; set; }
    public required string Label { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// A name, place or slogan kept as written through translation, or given a fixed rendering in
/// some languages ("Zakhyst Pratsi" stays; "International Miners' Coordination" may have an
/// agreed Spanish name). Managed by coordinators.
/// </summary>
public class GlossaryTerm
{
    public Guid Id { get; set; }
    public required string Term { get; set; }
    public string? Note { get; set; }
    public List<GlossaryRendering> Renderings { get; set; } = [];
    public DateTime CreatedAt { get; set; }
}

public class GlossaryRendering
{
    public Guid TermId { get; set; }
    public required string Language { get; set; }
    public required string Text { get; set; }
}

/// <summary>A translation already made: the same normalised text and pair is never sent to a provider twice.</summary>
public class CachedTranslation
{
    /// <summary>SHA-256 of source language, target language and the normalised text.</summary>
    public required string Key { get; set; }
    public required string From { get; set; }
    public required string To { get; set; }
    public required string Text { get; set; }
    public required string Provider { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>Characters sent to a provider on one day (UTC): what a commercial provider bills.</summary>
public class ProviderUsage
{
    public required string Provider { get; set; }
    public DateOnly Day { get; set; }
    public long Characters { get; set; }
    public int Requests { get; set; }
}

/// <summary>A schema change applied to this database.</summary>
public class SchemaVersion
{
    public int Version { get; set; }
    public required string Description { get; set; }
    public DateTime AppliedAt { get; set; }
}
