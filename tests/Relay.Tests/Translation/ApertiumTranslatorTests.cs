using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Relay.Tests.Support;
using Relay.Translation;
using Relay.Translation.Apertium;
using Relay.Translation.Detection;

namespace Relay.Tests.Translation;

/// <summary>Against the real Apertium APY that deploy/local/test.sh starts.</summary>
public class ApertiumTranslatorTests
{
    private static readonly ServiceProvider Services = Build();

    private static ServiceProvider Build()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Apertium:Url"] = LocalServices.ApertiumUrl,
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddTranslation();
        return services.BuildServiceProvider();
    }

    private static ITranslator Translator => Services.GetRequiredService<ITranslator>();

    [Theory]
    [InlineData("en", "es", true)]
    [InlineData("es", "en", true)]
    [InlineData("fr", "es", true)]
    [InlineData("es", "pt", true)]
    [InlineData("en", "ca", true)]
    [InlineData("be", "ru", true)]
    [InlineData("en", "uk", false)]
    [InlineData("en", "fr", false)]
    public async Task The_installed_pairs_are_learned_from_apy(string from, string to, bool supported) =>
        Assert.Equal(supported, await Translator.SupportsAsync(from, to, CancellationToken.None));

    [Fact]
    public async Task A_letter_comes_back_whole_paragraph_for_paragraph()
    {
        var letter = Seeds.Cerrejon;

        var spanish = await Translator.TranslateAsync(letter.Body, "en", "es", CancellationToken.None);

        Assert.Equal(letter.Body.Split("\n\n").Length, spanish.Split("\n\n").Length);
        Assert.Contains("solidaridad", spanish);
        Assert.DoesNotContain("  ", spanish);
        Assert.DoesNotContain("*", spanish);
    }

    [Fact]
    public async Task Text_far_longer_than_one_request_is_not_truncated()
    {
        var text = string.Join("\n\n", Seeds.Letters.Select(l => l.Body));
        Assert.True(text.Length > 8000, $"seed text is only {text.Length} characters");

        var spanish = await Translator.TranslateAsync(text, "en", "es", CancellationToken.None);

        Assert.Equal(text.Split("\n\n").Length, spanish.Split("\n\n").Length);
        Assert.InRange(spanish.Length, text.Length * 0.8, text.Length * 1.5);
    }

    [Fact]
    public async Task A_pair_that_is_not_installed_fails_clearly() =>
        Assert.Contains("not installed", (await Assert.ThrowsAsync<TranslationFailedException>(
            () => Translator.TranslateAsync("Hello", "en", "uk", CancellationToken.None))).Message);

    [Theory]
    [InlineData("Dear colleagues, we have heard that you have been on strike since Monday. You have our fullest solidarity.", "en")]
    [InlineData("Queridos colegas, hemos sabido que están en huelga desde el lunes. Tienen toda nuestra solidaridad.", "es")]
    [InlineData("Chers collègues, nous avons appris que vous êtes en grève depuis lundi. Vous avez toute notre solidarité.", "fr")]
    [InlineData("Дорогі колеги, ми дізналися, що ви страйкуєте з понеділка. Ви маєте нашу повну солідарність.", "uk")]
    [InlineData("Benvolguts companys, hem sabut que esteu en vaga des de dilluns. Teniu tota la nostra solidaritat.", "ca")]
    public void The_language_of_a_letter_is_detected(string text, string expected)
    {
        var detected = Services.GetRequiredService<LanguageDetector>().Detect(text);
        Assert.Equal(expected, detected.Language);
        Assert.InRange(detected.Confidence, 0.5, 1.0);
    }
}
