using Relay.Translation;
using Relay.Translation.Providers;

namespace Relay.Tests.Translation;

public class GlossaryTests
{
    private static readonly GlossaryEntry Zakhyst = new("Zakhyst Pratsi", new Dictionary<string, string>());
    private static readonly GlossaryEntry Coordination = new("International Miners' Coordination",
        new Dictionary<string, string> { ["es"] = "Coordinación Internacional de Mineros" });
    private static readonly GlossaryEntry Miners = new("Miners", new Dictionary<string, string>());

    [Fact]
    public void Terms_are_replaced_by_tokens_and_restored_as_written_or_as_rendered()
    {
        var text = "Zakhyst Pratsi greets the International Miners' Coordination and zakhyst pratsi again.";
        var protectedText = Glossary.Protect(text, [Zakhyst, Coordination]);

        Assert.DoesNotContain("Zakhyst", protectedText.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, protectedText.Placeholders.Count);
        var restored = Glossary.Restore(protectedText.Text.Replace(" greets the ", " saluda a la ").Replace(" and ", " y ").Replace(" again", " otra vez"), protectedText, "es");
        Assert.Equal("Zakhyst Pratsi saluda a la Coordinación Internacional de Mineros y zakhyst pratsi otra vez.", restored);
    }

    [Fact]
    public void The_longest_term_wins_and_words_inside_other_words_are_left_alone()
    {
        var protectedText = Glossary.Protect("The International Miners' Coordination thanks Minersville.", [Miners, Coordination]);

        Assert.Equal("International Miners' Coordination", Assert.Single(protectedText.Placeholders).Original);
        Assert.Contains("Minersville", protectedText.Text);
    }

    [Fact]
    public void A_token_the_provider_lost_fails_the_translation()
    {
        var protectedText = Glossary.Protect("Solidarity with Zakhyst Pratsi.", [Zakhyst]);
        Assert.Throws<TranslationFailedException>(() => Glossary.Restore("Solidaridad con.", protectedText, "es"));
    }

    [Fact]
    public void A_provider_that_changed_the_tokens_case_still_gets_its_term_back()
    {
        var protectedText = Glossary.Protect("Zakhyst Pratsi", [Zakhyst]);
        Assert.Equal("Zakhyst Pratsi", Glossary.Restore(protectedText.Text.ToLowerInvariant(), protectedText, "es"));
    }

    [Fact]
    public void Without_terms_the_text_is_untouched() =>
        Assert.Equal("Hello", Glossary.Protect("Hello", []).Text);
}
