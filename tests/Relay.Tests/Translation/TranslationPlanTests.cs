using Relay.Translation;

namespace Relay.Tests.Translation;

public class TranslationPlanTests
{
    [Fact]
    public void One_translation_per_language_never_one_per_recipient()
    {
        var plan = TranslationPlan.For("en", [["es"], ["es"], ["es", "ca"], ["pt"]], publish: false, []);

        Assert.Equal(new[] { "es", "pt" }, plan.Required);
        Assert.Equal(new[] { "ca" }, plan.Optional);
    }

    [Fact]
    public void Nothing_is_translated_into_the_original_language()
    {
        var plan = TranslationPlan.For("es", [["es"], ["en", "es"]], publish: true, ["en", "es", "fr"]);

        Assert.Equal(new[] { "en" }, plan.Required);
        Assert.Equal(new[] { "fr" }, plan.Optional);
    }

    [Fact]
    public void Publication_languages_are_wanted_only_for_messages_to_publish()
    {
        Assert.Empty(TranslationPlan.For("en", [["en"]], publish: false, ["es", "fr"]).Optional);
        Assert.Equal(new[] { "es", "fr" }, TranslationPlan.For("en", [["en"]], publish: true, ["es", "fr"]).Optional);
    }
}
