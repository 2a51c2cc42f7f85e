using System.Linq.Expressions;
using System.Text.RegularExpressions;
using Relay.Storage;

namespace Relay.Intake.PersonalData;

/// <summary>
/// What Relay treats as personal data and when it may be removed, as pure functions and the query
/// expressions the database runs (the same ones tests run over lists in memory).
/// </summary>
public static partial class PersonalDataRules
{
    /// <summary>What an anonymised supporter is called on pages, in feeds and in emails.</summary>
    public const string AnonymisedSupporterName = "anonymised supporter";

    /// <summary>What an erased union is called where other unions' messages still name it as a recipient.</summary>
    public const string ErasedUnionName = "erased union";

    /// <summary>Put where an email address was, inside a text (an SMTP reply, a bounce's diagnostic).</summary>
    public const string AddressRemoved = "[address removed]";

    /// <summary>
    /// How long after its last change a message whose sender is still owed a notice (the delivery
    /// summary, the rejection) counts as in flight: the notice goes out within seconds, and one that
    /// failed lies in an error queue rather than holding the sender's data for ever.
    /// </summary>
    public static readonly TimeSpan NoticeGrace = TimeSpan.FromHours(1);

    /// <summary>
    /// A message is settled when nothing more happens to it: delivered, failed or rejected (and its
    /// sender's notice sent, or given up), or never confirmed within the window so it never goes out.
    /// A settled message can lose its sender's personal data without any stage missing it; any other
    /// (held, waiting for recipients or translation, being delivered) is in flight and never touched.
    /// </summary>
    public static Expression<Func<SolidarityMessage, bool>> Settled(DateTime now, TimeSpan confirmationWindow)
    {
        var unconfirmedExpired = now - confirmationWindow;
        var noticeGivenUpBefore = now - NoticeGrace;
        return m => ((m.Status == MessageStatus.Delivered || m.Status == MessageStatus.Failed || m.Status == MessageStatus.Rejected)
                     && (m.SummarySentAt != null || m.UpdatedAt < noticeGivenUpBefore))
                    || (m.Status == MessageStatus.AwaitingConfirmation && m.ReceivedAt < unconfirmedExpired);
    }

    /// <summary>The messages the anonymisation takes: settled, received before the retention period, not yet anonymised.</summary>
    public static IQueryable<SolidarityMessage> Due(IQueryable<SolidarityMessage> messages, DateTime now, TimeSpan anonymiseAfter, TimeSpan confirmationWindow)
    {
        var cutoff = now - anonymiseAfter;
        return messages.Where(m => m.AnonymisedAt == null && m.ReceivedAt < cutoff).Where(Settled(now, confirmationWindow));
    }

    /// <summary>Whether one message is settled (the same rule as <see cref="Settled"/>).</summary>
    public static bool IsSettled(SolidarityMessage message, DateTime now, TimeSpan confirmationWindow) =>
        new[] { message }.AsQueryable().Any(Settled(now, confirmationWindow));

    /// <summary>Whether one message is due for anonymisation (the same rule as <see cref="Due"/>).</summary>
    public static bool IsDue(SolidarityMessage message, DateTime now, TimeSpan anonymiseAfter, TimeSpan confirmationWindow) =>
        Due(new[] { message }.AsQueryable(), now, anonymiseAfter, confirmationWindow).Any();

    /// <summary>
    /// The address an anonymised supporter or an erased union is left with: unique (the columns are
    /// unique), the same every time for the same row (two instances anonymising at once write the
    /// same), and never an address (no @), so no email, sign-in or intake mail ever matches it.
    /// </summary>
    public static string PlaceholderAddress(Guid id) => $"anonymised-{id:N}";

    /// <summary>Removes every email address from a text (an SMTP reply names the mailbox it refused).</summary>
    public static string? RedactAddresses(string? text) =>
        text is null ? null : EmailAddress().Replace(text, AddressRemoved);

    [GeneratedRegex(@"[^\s<>()\[\]""',;:]+@[^\s<>()\[\]""',;:]+")]
    private static partial Regex EmailAddress();
}
