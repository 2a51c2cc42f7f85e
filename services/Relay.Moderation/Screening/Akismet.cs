namespace Relay.Moderation.Screening;

/// <summary>
/// The "Moderation:Akismet" section: Akismet's spam check of the original, off unless Enabled with
/// Key and Blog set. Spam objects with the code <see cref="Akismet.Code"/>.
/// </summary>
public sealed class AkismetOptions : ScreeningServiceOptions
{
    public const string Section = "Moderation:Akismet";

    /// <summary>The API's host; "1.1/comment-check" is appended to it.</summary>
    public string Endpoint { get; set; } = "https://rest.akismet.com";

    /// <summary>Sent as <c>blog</c> (required): the front page of the site the key was registered for, with http:// or https://.</summary>
    public string Blog { get; set; } = "";

    /// <summary>
    /// Sent as <c>user_ip</c>, which Akismet requires. Relay does not record the address a message was
    /// submitted from, so this stands in for it (the public address of intake, say); empty sends the field empty.
    /// </summary>
    public string UserIp { get; set; } = "";

    /// <summary>
    /// Akismet's "discard" (blatant spam, <c>X-akismet-pro-tip: discard</c>) rejects the message instead
    /// of holding it. Default false: Relay's senders are known unions, so a coordinator looks first.
    /// </summary>
    public bool RejectDiscard { get; set; }

    /// <summary>Sends <c>is_test=true</c>, so that Akismet does not learn from the checks (for trying a key out).</summary>
    public bool IsTest { get; set; }

    public override string ServiceUrl() => Endpoint;

    public override IReadOnlyList<string> Problems()
    {
        var problems = base.Problems().ToList();
        if (!Uri.TryCreate(Blog, UriKind.Absolute, out var blog) || blog.Scheme is not ("http" or "https"))
            problems.Add("Blog is not a full http(s) URL");
        return problems;
    }
}

/// <summary>What is sent about a message: its original, and who sent it.</summary>
public sealed record AkismetComment(string? Author, string? AuthorEmail, string Content, string Language, DateTime ReceivedAt);

/// <summary>Akismet's answer to a comment check: the body and the headers that qualify it.</summary>
/// <param name="Body">"true" (spam), "false" (not spam), or something else ("invalid") when the call failed.</param>
/// <param name="ProTip"><c>X-akismet-pro-tip</c>: "discard" for blatant spam.</param>
/// <param name="DebugHelp"><c>X-akismet-debug-help</c>: why the call was invalid.</param>
/// <param name="Error"><c>X-akismet-error</c>: a problem with the account (a suspended key) the owner must act on.</param>
public sealed record AkismetAnswer(string Body, string? ProTip = null, string? DebugHelp = null, string? Error = null,
    string? AlertCode = null, string? AlertMessage = null);

/// <summary>
/// Deciding from Akismet's comment-check answer, as a pure function. The call and its answers as in
/// https://akismet.com/developers/detailed-docs/comment-check/: "true" is spam, "false" is not; with
/// <c>X-akismet-pro-tip: discard</c> the spam is blatant; anything else is an error, explained by
/// <c>X-akismet-debug-help</c>. An <c>X-akismet-error</c> header means the answer cannot be trusted
/// (a suspended key answers "false" to everything), so, as Akismet's own WordPress plugin does, the message is held.
/// </summary>
public static class Akismet
{
    public const string Code = "akismet";

    public static IReadOnlyList<ServiceObjection> Judge(AkismetAnswer answer, AkismetOptions options)
    {
        if (!string.IsNullOrWhiteSpace(answer.Error))
        {
            var alert = answer.AlertCode is null && answer.AlertMessage is null ? "" : $", alert {answer.AlertCode} {answer.AlertMessage}".TrimEnd();
            return [Unavailable($"X-akismet-error: {answer.Error}{alert}")];
        }
        return answer.Body.Trim() switch
        {
            "false" => [],
            "true" when string.Equals(answer.ProTip, "discard", StringComparison.OrdinalIgnoreCase) =>
                [new ServiceObjection(Code, "spam, discard") { Rejects = options.RejectDiscard }],
            "true" => [new ServiceObjection(Code, "spam")],
            var other => [Unavailable(string.IsNullOrWhiteSpace(answer.DebugHelp)
                ? $"answered \"{ScreeningHttp.Excerpt(other)}\""
                : $"{ScreeningHttp.Excerpt(other)}: {ScreeningHttp.Excerpt(answer.DebugHelp)}")],
        };
    }

    /// <summary>No usable answer: held for a coordinator, never rejected on it.</summary>
    public static ServiceObjection Unavailable(string why) => new(Code, $"unavailable ({why})") { HoldsAtMost = true };
}
