namespace Relay.Contracts;

// The events of Relay's pipeline. Each one names a fact that has already been recorded in the
// database; consumers read the current state from there, so an event carries identifiers and a
// summary, never the only copy of anything. Contracts change additively: a breaking change is a
// new type.

/// <summary>
/// Marks an event that drives the pipeline: it must reach a consumer's queue. It is published as
/// mandatory, and an event the broker cannot route yet (a worker that never started, on a new
/// broker) stays in the outbox and is published again, instead of being dropped.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class MustBeRoutedAttribute : Attribute;

/// <summary>A union submitted a message and intake stored it. Consumed by the translation stage.</summary>
/// <param name="MessageId">The solidarity message.</param>
/// <param name="SenderUnionId">The union that sent it; null when a supporter did.</param>
/// <param name="RecipientUnionIds">The unions of the directory it is addressed to.</param>
/// <param name="Language">The language the sender stated (BCP-47), or null when it must be detected.</param>
/// <param name="SubmittedAt">When intake accepted it.</param>
[MustBeRouted]
public record MessageSubmitted(
    Guid MessageId,
    Guid? SenderUnionId,
    IReadOnlyList<Guid> RecipientUnionIds,
    string? Language,
    DateTime SubmittedAt);

/// <summary>
/// A message waits for its sender to confirm it (a supporter, or a union whose email could not be
/// verified). Consumed by the email stage, which sends the confirmation link once.
/// </summary>
/// <param name="MessageId">The solidarity message, in status awaiting_confirmation.</param>
[MustBeRouted]
public record ConfirmationRequested(Guid MessageId);

/// <summary>A union asked for a sign-in link to the unions' form. Consumed by the email stage, which sends it to the union's registered address.</summary>
/// <param name="UnionId">The union.</param>
/// <param name="IssuedAt">When the link was issued; it expires a set time after, and signs in once.</param>
[MustBeRouted]
public record SignInLinkRequested(Guid UnionId, DateTime IssuedAt);

/// <summary>Every language the message needs has a translation. Consumed by the moderation stage.</summary>
/// <param name="MessageId">The solidarity message.</param>
/// <param name="SourceLanguage">The language of the original (stated or detected).</param>
/// <param name="Languages">The languages it now has translations in.</param>
[MustBeRouted]
public record MessageTranslated(Guid MessageId, string SourceLanguage, IReadOnlyList<string> Languages);

/// <summary>No provider covers a language a recipient needs: the message waits for a human translation.</summary>
/// <param name="MessageId">The solidarity message.</param>
/// <param name="MissingLanguages">The languages still missing.</param>
public record MessageAwaitingTranslation(Guid MessageId, IReadOnlyList<string> MissingLanguages);

/// <summary>The message may go out. Consumed by the email delivery and publication stages.</summary>
/// <param name="MessageId">The solidarity message.</param>
/// <param name="ApprovedBy">"rules" when the automatic screening approved it, otherwise the coordinator.</param>
[MustBeRouted]
public record MessageApproved(Guid MessageId, string ApprovedBy);

/// <summary>The automatic screening held the message for a coordinator.</summary>
/// <param name="MessageId">The solidarity message.</param>
/// <param name="Reasons">Machine codes and human reasons, one a line ("links: 6 links, at most 5").</param>
public record MessageHeld(Guid MessageId, IReadOnlyList<string> Reasons);

/// <summary>The message will not go out; the sender sees the reason.</summary>
/// <param name="MessageId">The solidarity message.</param>
/// <param name="Reason">Why, in words the sender can read.</param>
/// <param name="RejectedBy">"rules" or the coordinator.</param>
[MustBeRouted]
public record MessageRejected(Guid MessageId, string Reason, string RejectedBy);

/// <summary>One recipient could not be reached.</summary>
/// <param name="MessageId">The solidarity message.</param>
/// <param name="RecipientUnionId">The recipient union.</param>
/// <param name="Detail">The SMTP reply or error.</param>
/// <param name="Permanent">True for a permanent failure (5xx), false when it will be retried.</param>
public record DeliveryFailed(Guid MessageId, Guid RecipientUnionId, string Detail, bool Permanent);

/// <summary>Every delivery of the message reached a final state. Consumed by the email stage, which tells the sending union.</summary>
/// <param name="MessageId">The solidarity message.</param>
/// <param name="Sent">Deliveries accepted by the recipient's mail server.</param>
/// <param name="Failed">Deliveries that failed permanently or were suppressed.</param>
[MustBeRouted]
public record MessageDelivered(Guid MessageId, int Sent, int Failed);

/// <summary>A union no longer receives messages: it opted out, or its address kept bouncing. Consumed by the email stage, which tells the coordinators.</summary>
/// <param name="UnionId">The union.</param>
/// <param name="Reason">Why, in words a coordinator can act on.</param>
/// <param name="ByBounces">True when Relay suppressed it because of bounces, false when the union opted out.</param>
[MustBeRouted]
public record UnionSuppressed(Guid UnionId, string Reason, bool ByBounces);

/// <summary>The message is on the public site.</summary>
/// <param name="MessageId">The solidarity message.</param>
/// <param name="Url">Its public page.</param>
/// <param name="Languages">The languages it can be read in.</param>
public record MessagePublished(Guid MessageId, string Url, IReadOnlyList<string> Languages);

/// <summary>A coordinator supplied a human translation for a message that waited for one. Consumed by the translation stage, which checks whether anything is still missing.</summary>
/// <param name="MessageId">The solidarity message.</param>
/// <param name="Language">The language supplied.</param>
[MustBeRouted]
public record TranslationSupplied(Guid MessageId, string Language);

/// <summary>A coordinator asks the translation stage to try a waiting message again (a provider that was down may be back).</summary>
/// <param name="MessageId">The solidarity message.</param>
[MustBeRouted]
public record TranslationRetryRequested(Guid MessageId);

/// <summary>
/// An email to Relay's intake mailbox was refused (it carried attachments, had no text, or named no
/// recipient); nothing of it was kept. Consumed by the email stage, which answers the sender once,
/// saying what was refused and how to write instead.
/// </summary>
/// <param name="InboundMailKey">The recorded inbound mail (its key: the SHA-256 of its Message-ID).</param>
/// <param name="Reason">attachments, empty, no-recipient, invalid or limited.</param>
[MustBeRouted]
public record InboundMailRefused(string InboundMailKey, string Reason);
