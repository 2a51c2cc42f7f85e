using Relay.Translation;
using Relay.Translation.Detection;

namespace Relay.Tests.Translation;

public class LanguageCheckTests
{
    private static readonly TranslationOptions Options = new();
    private const string Long = "Queridos colegas, hemos sabido que están en huelga desde el lunes y les enviamos toda nuestra solidaridad.";

    [Fact]
    public void A_confident_detection_raises_nothing() =>
        Assert.Empty(LanguageCheck.Flags(null, new DetectedLanguage("es", 0.98), Long, Options));

    [Fact]
    public void An_unsure_detection_is_flagged_not_silently_trusted() =>
        Assert.StartsWith("language-uncertain: detected es with 55%", Assert.Single(LanguageCheck.Flags(null, new DetectedLanguage("es", 0.55), Long, Options)));

    [Fact]
    public void Nothing_recognised_is_flagged() =>
        Assert.StartsWith("language-uncertain", Assert.Single(LanguageCheck.Flags(null, new DetectedLanguage(null, 0), "1234", Options)));

    [Fact]
    public void A_stated_language_the_text_is_plainly_not_in_is_flagged() =>
        Assert.Equal("language-mismatch: stated en, but the text reads as es (97%)",
            Assert.Single(LanguageCheck.Flags("en", new DetectedLanguage("es", 0.97), Long, Options)));

    [Theory]
    [InlineData("es", "es", 0.99)]
    [InlineData("es-CO", "es", 0.99)]
    [InlineData("en", "es", 0.6)]
    public void A_stated_language_is_trusted_unless_the_detector_is_sure_otherwise(string stated, string detected, double confidence) =>
        Assert.Empty(LanguageCheck.Flags(stated, new DetectedLanguage(detected, confidence), Long, Options));

    [Fact]
    public void A_short_text_never_contradicts_its_sender() =>
        Assert.Empty(LanguageCheck.Flags("en", new DetectedLanguage("es", 0.99), "¡Hola!", Options));
}
