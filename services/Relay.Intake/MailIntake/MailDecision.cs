namespace Relay.Intake.MailIntake;

/// <summary>What becomes of an email in the intake mailbox.</summary>
public abstract record MailDecision
{
    /// <summary>A union wrote from its registered address, verified, naming recipients: its message goes on as if sent through the API.</summary>
    public sealed record Submit(Guid UnionId, IReadOnlyList<Guid> Recipients) : MailDecision;

    /// <summary>A union wrote from its registered address, verified, but named no recipient Relay knows: the coordinators choose them.</summary>
    public sealed record Triage(Guid UnionId, string Why) : MailDecision;

    /// <summary>The sender is no union's registered address, or the server did not verify it: the message waits for its sender to confirm through a link.</summary>
    public sealed record Confirm(Guid? UnionId, IReadOnlyList<Guid> Recipients, string Why) : MailDecision;

    /// <summary>Nothing is kept; the sender gets a polite answer saying why and how to write instead.</summary>
    public sealed record Refuse(string Reason, string Detail) : MailDecision;

    /// <summary>Mail no person wrote (an auto-reply, a bounce): recorded, never answered.</summary>
    public sealed record Ignore(string Why) : MailDecision;
}

/// <summary>Why an email was refused; the delivery worker's answer explains each in plain words.</summary>
public static class RefusalReason
{
    public const string Attachments = "attachments";
    public const string Empty = "empty";
    /// <summary>An unverified sender named no recipient: there would be nothing to confirm.</summary>
    public const string NoRecipient = "no-recipient";
    /// <summary>The letter breaks a rule any message must keep (too long, say).</summary>
    public const string Invalid = "invalid";
    /// <summary>The sender is over a limit (RateLimits: recipients a day, unconfirmed messages).</summary>
    public const string Limited = "limited";
}

/// <summary>What an intake email came to, as recorded on its InboundMail.</summary>
public static class InboundOutcome
{
    public const string Submitted = "submitted";
    public const string Triage = "triage";
    public const string AwaitingConfirmation = "awaiting-confirmation";
    public const string Refused = "refused";
    public const string Ignored = "ignored";
}

public static class MailIntakeDecision
{
    /// <summary>
    /// Decides on a letter. Attachments and empty letters are refused first (nothing is kept); a
    /// verified letter from a union's registered address goes on when every slug names a union
    /// (triage otherwise, so that no recipient is silently dropped); any other letter waits for
    /// its sender's confirmation.
    /// </summary>
    /// <param name="letter">The letter as read.</param>
    /// <param name="senderUnion">The union whose registered address the letter came from, if any.</param>
    /// <param name="directory">Each union's slug, from <see cref="Directory"/>.</param>
    public static MailDecision Decide(InboundLetter letter, Guid? senderUnion, IReadOnlyDictionary<string, Guid> directory)
    {
        if (letter.Automatic)
            return new MailDecision.Ignore("automatic mail (auto-reply, bounce or list)");
        if (letter.Attachments.Count > 0)
            return new MailDecision.Refuse(RefusalReason.Attachments, string.Join(", ", letter.Attachments));
        if (string.IsNullOrWhiteSpace(letter.Text))
            return new MailDecision.Refuse(RefusalReason.Empty, "no text besides quoted mail or a signature");

        var recipients = letter.RecipientSlugs.Where(directory.ContainsKey).Select(s => directory[s]).Distinct().ToList();
        var unknown = letter.RecipientSlugs.Where(s => !directory.ContainsKey(s)).ToList();
        var verified = senderUnion is not null && letter.Verdict.Pass;
        if (verified && recipients.Count > 0 && unknown.Count == 0)
            return new MailDecision.Submit(senderUnion!.Value, recipients);
        if (verified)
            return new MailDecision.Triage(senderUnion!.Value, unknown.Count > 0
                ? $"no union is called {string.Join(", ", unknown)}"
                : "no recipient named (write to relay+<union>@…)");
        if (recipients.Count == 0)
            return new MailDecision.Refuse(RefusalReason.NoRecipient, unknown.Count > 0 ? $"no union is called {string.Join(", ", unknown)}" : "no recipient named");
        var why = senderUnion is null ? "not a union's registered address" : $"sender not verified: {letter.Verdict.Detail}";
        return new MailDecision.Confirm(senderUnion, recipients, unknown.Count > 0 ? $"{why}; no union is called {string.Join(", ", unknown)}" : why);
    }

    /// <summary>Each union's slug; a slug two unions share names neither (the coordinators tell them apart).</summary>
    public static IReadOnlyDictionary<string, Guid> Directory(IEnumerable<(Guid Id, string Name)> unions) =>
        unions.GroupBy(u => UnionSlug.Of(u.Name, u.Id)).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.Single().Id);
}
