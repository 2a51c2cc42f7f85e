using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Relay.Tests.Support;
using Relay.Translation;
using Relay.Translation.Detection;
using Relay.Translation.Providers;

namespace Relay.Tests.Translation;

/// <summary>Against the real Apertium APY that deploy/local/test.sh starts, with the pairs it installs.</summary>
public partial class ApertiumTranslatorTests
{
    private static readonly ServiceProvider Services = Build();

    private static ServiceProvider Build()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Apertium:Url"] = LocalServices.ApertiumUrl,
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddTranslation(configuration);
        return services.BuildServiceProvider();
    }

    private static ITranslationProvider Apertium => Services.GetServices<ITranslationProvider>().Single(p => p.Name == "apertium");

    private static async Task<string> TranslateAsync(string text, string from, string to) =>
        (await Apertium.TranslateAsync([text], from, [to], CancellationToken.None))[to][0];

    [GeneratedRegex(@"[.!?…]+(?=\s|$)")]
    private static partial Regex SentenceEnd();

    private static int Sentences(string text) => SentenceEnd().Count(text);

    /// <summary>A letter in each installed pair's source language (the seeds are English; the others are short letters of the same kind).</summary>
    public static TheoryData<string, string, string> InstalledPairs => new()
    {
        { "en", "es", Seeds.Cerrejon.Body },
        { "es", "en", "Queridos colegas, hemos sabido que están en huelga desde el lunes. A pesar de la crisis, están librando una lucha valiente por sus derechos. Tienen toda nuestra solidaridad." },
        { "fr", "es", "Chers collègues, nous avons appris que vous êtes en grève depuis lundi. Malgré la crise, vous menez une lutte courageuse pour vos droits. Vous avez toute notre solidarité." },
        { "es", "fr", "Queridos colegas, hemos sabido que están en huelga desde el lunes. Tienen toda nuestra solidaridad." },
        { "es", "pt", "Queridos colegas, hemos sabido que están en huelga desde el lunes. Tienen toda nuestra solidaridad." },
        { "pt", "es", "Caros colegas, soubemos que estão em greve desde segunda-feira. Têm toda a nossa solidariedade." },
        { "en", "ca", "Dear colleagues, we have heard that you have been on strike since Monday. You have our fullest solidarity." },
        { "ca", "en", "Benvolguts companys, hem sabut que esteu en vaga des de dilluns. Teniu tota la nostra solidaritat." },
        { "be", "ru", "Дарагія калегі, мы даведаліся, што вы бастуеце з панядзелка. Вы маеце нашу поўную салідарнасць." },
        // Debian's rus→bel answers 503 "internal error" for most sentences (as rus↔ukr does); a short one passes.
        { "ru", "be", "Дорогие коллеги, мы с вами. Мы полностью вас поддерживаем." },
    };

    [Fact]
    public async Task A_pair_that_breaks_on_a_sentence_fails_as_a_provider_error()
    {
        var error = await Assert.ThrowsAsync<TranslationFailedException>(
            () => TranslateAsync("Дорогие коллеги, мы узнали, что вы бастуете с понедельника.", "ru", "be"));
        Assert.Contains("503", error.Message);
    }

    [Theory]
    [MemberData(nameof(InstalledPairs))]
    public async Task Every_installed_pair_is_learned_and_returns_every_sentence(string from, string to, string letter)
    {
        Assert.Contains(new LanguagePair(from, to), await Apertium.PairsAsync(CancellationToken.None));

        var translated = await TranslateAsync(letter, from, to);

        Assert.NotEqual(letter, translated);
        Assert.Equal(Sentences(letter), Sentences(translated));
        Assert.Equal(letter.Split("\n\n").Length, translated.Split("\n\n").Length);
        Assert.DoesNotContain("  ", translated);
        Assert.DoesNotContain("*", translated);
    }

    [Fact]
    public async Task A_20000_character_message_comes_back_whole_with_its_sentences()
    {
        var paragraphs = Seeds.Letters.Select(l => l.Body).ToList();
        var text = string.Join("\n\n", Enumerable.Range(0, 40).Select(i => paragraphs[i % paragraphs.Count]));
        text = text[..text.LastIndexOf("\n\n", 20_000, StringComparison.Ordinal)];
        Assert.InRange(text.Length, 18_000, 20_000);

        var spanish = await TranslateAsync(text, "en", "es");

        Assert.Equal(text.Split("\n\n").Length, spanish.Split("\n\n").Length);
        Assert.Equal(Sentences(text), Sentences(spanish));
        Assert.InRange(spanish.Length, text.Length * 0.8, text.Length * 1.5);
    }

    [Theory]
    [MemberData(nameof(InstalledPairs))]
    public async Task Glossary_terms_survive_every_installed_pair(string from, string to, string letter)
    {
        var entries = new[]
        {
            new GlossaryEntry("Zakhyst Pratsi", new Dictionary<string, string>()),
            new GlossaryEntry("Sintracarbón", new Dictionary<string, string> { [to] = "SINTRACARBÓN" }),
        };
        var text = "Zakhyst Pratsi. " + letter + " Sintracarbón.";
        var protectedText = Glossary.Protect(text, entries);

        var restored = Glossary.Restore(await TranslateAsync(protectedText.Text, from, to), protectedText, to);

        Assert.StartsWith("Zakhyst Pratsi", restored);
        Assert.Contains("SINTRACARBÓN", restored);
    }

    [Fact]
    public async Task A_pair_that_is_not_installed_fails_clearly_and_not_as_transient()
    {
        var error = await Assert.ThrowsAsync<TranslationFailedException>(() => TranslateAsync("Hello", "en", "uk"));
        Assert.Contains("not installed", error.Message);
        Assert.False(error.Transient);
    }

    [Theory]
    [InlineData("Dear colleagues, we have heard that you have been on strike since Monday. You have our fullest solidarity.", "en")]
    [InlineData("Queridos colegas, hemos sabido que están en huelga desde el lunes. Tienen toda nuestra solidaridad.", "es")]
    [InlineData("Chers collègues, nous avons appris que vous êtes en grève depuis lundi. Vous avez toute notre solidarité.", "fr")]
    [InlineData("Caros colegas, soubemos que estão em greve desde segunda-feira. Têm toda a nossa solidariedade.", "pt")]
    [InlineData("Дорогі колеги, ми дізналися, що ви страйкуєте з понеділка. Ви маєте нашу повну солідарність.", "uk")]
    [InlineData("Дорогие коллеги, мы узнали, что вы бастуете с понедельника. Вы имеете нашу полную солидарность.", "ru")]
    [InlineData("Дарагія калегі, мы даведаліся, што вы бастуеце з панядзелка. Вы маеце нашу поўную салідарнасць.", "be")]
    [InlineData("Benvolguts companys, hem sabut que esteu en vaga des de dilluns. Teniu tota la nostra solidaritat.", "ca")]
    [InlineData("Liebe Kolleginnen und Kollegen, wir haben gehört, dass ihr seit Montag streikt. Ihr habt unsere volle Solidarität.", "de")]
    [InlineData("Cari colleghi, abbiamo saputo che siete in sciopero da lunedì. Avete tutta la nostra solidarietà.", "it")]
    [InlineData("Solidaridad total con la huelga.", "es")]
    [InlineData("Full solidarity with your strike!", "en")]
    public void The_language_of_a_short_letter_is_detected(string text, string expected)
    {
        var detected = Services.GetRequiredService<LanguageDetector>().Detect(text);
        Assert.Equal(expected, detected.Language);
    }
}
