using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Relay.Translation.Providers;

namespace Relay.Tests.Translation.Contracts;

/// <summary>LibreTranslate against a local server replaying its documented answers and errors.</summary>
public class LibreTranslateContractTests() : ProviderContractTests(Documented)
{
    private ITranslationProvider Libre(Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = ProviderHost.FastRetries("LibreTranslate");
        settings["LibreTranslate:Url"] = Server.Url;
        configure?.Invoke(settings);
        var host = Host(settings);
        return host.Provider("libretranslate");
    }

    private IReadOnlyList<RecordedRequest> Translations => Server.RequestsTo("/translate");

    [Fact]
    public async Task Texts_go_as_a_q_array_one_request_per_target_with_the_key()
    {
        var result = await Libre(s => s["LibreTranslate:ApiKey"] = "libre-key")
            .TranslateAsync(["Hello", "Solidarity!"], "en", ["es", "uk"], CancellationToken.None);

        Assert.Equal(2, Translations.Count);
        var first = Translations[0];
        Assert.Equal("POST", first.Method);
        Assert.StartsWith("application/json", first.Header("Content-Type"));
        Assert.Equal(["Hello", "Solidarity!"], first.Json.GetProperty("q").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("en", first.Json.GetProperty("source").GetString());
        Assert.Equal("es", first.Json.GetProperty("target").GetString());
        Assert.Equal("text", first.Json.GetProperty("format").GetString());
        Assert.Equal("libre-key", first.Json.GetProperty("api_key").GetString());
        Assert.Equal("uk", Translations[1].Json.GetProperty("target").GetString());

        Assert.Equal(["[es] Hello", "[es] Solidarity!"], result["es"]);
        Assert.Equal(["[uk] Hello", "[uk] Solidarity!"], result["uk"]);
    }

    [Fact]
    public async Task No_api_key_is_sent_when_none_is_configured()
    {
        await Libre().TranslateAsync(["Hello"], "en", ["es"], CancellationToken.None);

        Assert.False(Assert.Single(Translations).Json.TryGetProperty("api_key", out _));
    }

    [Fact]
    public async Task Long_text_is_sent_in_parts_and_rejoined()
    {
        var text = ProviderHost.Sentences(1, 2_000);

        var result = await Libre(s => s["LibreTranslate:MaxCharactersPerRequest"] = "500")
            .TranslateAsync([text], "en", ["es"], CancellationToken.None);

        Assert.True(Translations.Count >= 4);
        Assert.All(Translations, r => Assert.True(r.Json.GetProperty("q").EnumerateArray().Sum(q => q.GetString()!.Length) <= 500));
        Assert.Equal(text, result["es"].Single().Replace("[es] ", ""));
    }

    [Fact]
    public async Task Slowdown_429_is_retried()
    {
        Server.AnswerNext("/translate", 429, """{"error":"Slowdown: 30 per 1 minute"}""");

        var result = await Libre().TranslateAsync(["Hello"], "en", ["es"], CancellationToken.None);

        Assert.Equal(2, Translations.Count);
        Assert.Equal(["[es] Hello"], result["es"]);
    }

    [Fact]
    public async Task A_bad_request_is_not_retried_and_not_transient()
    {
        Server.AnswerNext("/translate", 400, """{"error":"xx is not supported"}""");

        var failure = await Assert.ThrowsAsync<TranslationFailedException>(
            () => Libre().TranslateAsync(["Hello"], "en", ["xx"], CancellationToken.None));

        Assert.Single(Translations);
        Assert.False(failure.Transient);
        Assert.Contains("xx is not supported", failure.Message);
    }

    [Fact]
    public async Task Pairs_come_from_languages()
    {
        var pairs = await Libre().PairsAsync(CancellationToken.None);

        Assert.Equal("/languages", Assert.Single(Server.Requests).Path);
        Assert.Equal(
            new HashSet<LanguagePair> { new("en", "es"), new("en", "uk"), new("es", "en"), new("uk", "en") },
            pairs.ToHashSet());
    }

    /// <summary>LibreTranslate's documented behaviour: <c>q</c> as an array gives an array back.</summary>
    private static FakeAnswer Documented(RecordedRequest request)
    {
        if (request.Path == "/languages")
            return new FakeAnswer(200, """
                [{"code":"en","name":"English","targets":["en","es","uk"]},
                 {"code":"es","name":"Spanish","targets":["en","es"]},
                 {"code":"uk","name":"Ukrainian","targets":["en","uk"]}]
                """);
        var body = request.Json;
        var target = body.GetProperty("target").GetString();
        var q = body.GetProperty("q");
        return q.ValueKind == JsonValueKind.Array
            ? FakeAnswer.Ok(new { translatedText = q.EnumerateArray().Select(t => $"[{target}] {t.GetString()}") })
            : FakeAnswer.Ok(new { translatedText = $"[{target}] {q.GetString()}" });
    }
}
