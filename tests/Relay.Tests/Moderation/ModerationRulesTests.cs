using Relay.Moderation;
using Relay.Tests.Support;

namespace Relay.Tests.Moderation;

public class ModerationRulesTests
{
    private static readonly ModerationOptions Options = new();

    private static ScreeningResult Screen(string title, string body, params ScreenedText[] translations) =>
        ModerationRules.Screen(new ScreenedText("en", title, body), translations, Options);

    [Fact]
    public void Every_seed_letter_is_approved()
    {
        foreach (var letter in Seeds.Letters)
        {
            var result = Screen(letter.Title, letter.Body);
            Assert.True(result.Decision == ScreeningDecision.Approve, $"'{letter.Title}' was held: {string.Join("; ", result.Reasons)}");
        }
    }

    [Fact]
    public void A_body_too_short_to_be_a_letter_is_held()
    {
        var result = Screen("Solidarity", "Hi!");

        Assert.Equal(ScreeningDecision.Hold, result.Decision);
        Assert.StartsWith("length:", Assert.Single(result.Reasons));
    }

    [Fact]
    public void More_links_than_allowed_are_held_with_the_count()
    {
        var body = Seeds.Cerrejon.Body + " https://a.example/1 https://b.example/2 www.c.example/3 http://d.example/4";
        var result = Screen("Solidarity", body);

        Assert.Equal(ScreeningDecision.Hold, result.Decision);
        Assert.Equal("links: 4 links, more than 3", Assert.Single(result.Reasons));
    }

    [Fact]
    public void Links_up_to_the_limit_pass()
    {
        var result = Screen("Solidarity", Seeds.Cerrejon.Body + " https://a.example/1 https://b.example/2");
        Assert.Equal(ScreeningDecision.Approve, result.Decision);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=\"alert(1)\">")]
    [InlineData("<a href=\"javascript:alert(1)\">click</a>")]
    public void Script_is_held(string markup)
    {
        var result = Screen("Solidarity", Seeds.Cerrejon.Body + markup);

        Assert.Equal(ScreeningDecision.Hold, result.Decision);
        Assert.StartsWith("script:", Assert.Single(result.Reasons));
    }

    [Fact]
    public void Script_that_appears_only_in_a_machine_translation_is_held_too()
    {
        var result = Screen("Solidarity", Seeds.Cerrejon.Body, new ScreenedText("es", "Solidaridad", "Hola <script>x</script>"));

        Assert.Equal(ScreeningDecision.Hold, result.Decision);
        Assert.Contains("the es text", Assert.Single(result.Reasons));
    }

    [Fact]
    public void Plain_markup_is_held_as_markup()
    {
        var result = Screen("Solidarity", Seeds.Cerrejon.Body + " <b>bold</b>");
        Assert.StartsWith("markup:", Assert.Single(result.Reasons));
    }

    [Fact]
    public void Angle_brackets_in_ordinary_prose_are_not_markup()
    {
        var result = Screen("Wages < costs", Seeds.Cerrejon.Body + " Profits > wages, and 3 < 5.");
        Assert.Equal(ScreeningDecision.Approve, result.Decision);
    }
}

public class LanguageFlagRuleTests
{
    [Fact]
    public void A_language_flag_from_the_translation_stage_holds_the_message()
    {
        var result = ModerationRules.Screen(new ScreenedText("en", "Solidarity", Seeds.Cerrejon.Body), [], new ModerationOptions(),
            ["language-mismatch: stated en, but the text reads as es (97%)"]);

        Assert.Equal(ScreeningDecision.Hold, result.Decision);
        Assert.StartsWith("language-mismatch:", Assert.Single(result.Reasons));
    }
}
