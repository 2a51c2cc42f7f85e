using Relay.Moderation;
using Relay.Moderation.Screening;

namespace Relay.Tests.Moderation;

/// <summary>The outside services' pure parts: cutting texts for Content Safety, judging answers, and how the rules weigh them.</summary>
public class ScreeningServiceDecisionTests
{
    private static readonly ScreenedText Letter = new("en", "Solidarity", "We stand with the striking miners of Cerrejón and their families.");

    private static ScreeningResult Screen(ModerationOptions options, params ServiceObjection[] objections) =>
        ModerationRules.Screen(Letter, [], new MessageFacts { ApprovedEarlier = 1 }, options, services: objections);

    [Fact]
    public void A_long_text_is_cut_after_a_space_and_never_inside_a_surrogate_pair()
    {
        var words = string.Join(' ', Enumerable.Repeat("solidarity", 3_000));
        var pieces = ContentSafety.Pieces(words);
        Assert.Equal(words, string.Concat(pieces));
        Assert.All(pieces, p => Assert.InRange(p.Length, 1, ContentSafety.MaxCharacters));
        Assert.All(pieces.SkipLast(1), p => Assert.EndsWith(" ", p));

        // No space at all, and a pair straddling the 10,000th character.
        var emoji = "a" + string.Concat(Enumerable.Repeat("✊🏽", 4_000));
        var cut = ContentSafety.Pieces(emoji);
        Assert.Equal(emoji, string.Concat(cut));
        Assert.All(cut, p => Assert.False(char.IsHighSurrogate(p[^1]) || char.IsLowSurrogate(p[0]), "a surrogate pair was cut"));

        Assert.Equal(["short"], ContentSafety.Pieces("short"));
    }

    [Fact]
    public void A_services_code_holds_by_default_and_rejects_when_listed()
    {
        var spam = new ServiceObjection(Akismet.Code, "spam");

        var held = Screen(new ModerationOptions(), spam);
        Assert.Equal((ScreeningDecision.Hold, "akismet: spam"), (held.Decision, Assert.Single(held.Reasons)));
        Assert.Equal(ScreeningDecision.Reject, Screen(new ModerationOptions { Reject = "script,akismet" }, spam).Decision);
        Assert.Equal(ScreeningDecision.Approve, Screen(new ModerationOptions { Disabled = "akismet" }, spam).Decision);
    }

    [Fact]
    public void No_answer_or_a_translations_finding_holds_even_where_the_code_rejects_and_discard_rejects_unless_the_code_is_off()
    {
        var rejecting = new ModerationOptions { Reject = "content-safety,akismet" };

        Assert.Equal(ScreeningDecision.Hold, Screen(rejecting, ContentSafety.Unavailable("503 ServerBusy: busy")).Decision);
        Assert.Equal(ScreeningDecision.Hold, Screen(rejecting, Akismet.Unavailable("invalid: Invalid key.")).Decision);
        Assert.Equal(ScreeningDecision.Hold,
            Screen(rejecting, new ServiceObjection(ContentSafety.Code, "Hate severity 6 in the es text, at or above 4") { HoldsAtMost = true }).Decision);

        var discard = new ServiceObjection(Akismet.Code, "spam, discard") { Rejects = true };
        Assert.Equal(ScreeningDecision.Reject, Screen(new ModerationOptions(), discard).Decision);
        Assert.Equal(ScreeningDecision.Approve, Screen(new ModerationOptions { Disabled = "akismet" }, discard).Decision);
    }

    [Fact]
    public void Akismet_answers_other_than_true_or_false_are_no_answer()
    {
        var options = new AkismetOptions();

        Assert.Empty(Akismet.Judge(new AkismetAnswer("false"), options));
        Assert.Equal("unavailable (answered \"\")", Assert.Single(Akismet.Judge(new AkismetAnswer(""), options)).Reason);
        Assert.Equal("unavailable (invalid: Empty \"blog\" value)",
            Assert.Single(Akismet.Judge(new AkismetAnswer("invalid", DebugHelp: "Empty \"blog\" value"), options)).Reason);
    }

    [Fact]
    public void Content_safety_options_that_cannot_work_are_named()
    {
        var options = new ContentSafetyOptions { Enabled = true, Endpoint = "https://x.cognitiveservices.azure.com", Key = "k" };
        Assert.True(options.IsOn);

        options.OutputType = "SixLevels";
        options.Thresholds = new ContentSafetyThresholds { Hate = 0, SelfHarm = 0, Sexual = 0, Violence = 0 };
        Assert.False(options.IsOn);
        Assert.Equal(2, options.Problems().Count);
    }
}
