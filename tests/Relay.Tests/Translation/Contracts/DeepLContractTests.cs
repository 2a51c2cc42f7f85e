using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Relay.Translation.Providers;
using Relay.Translation.Providers.DeepL;

namespace Relay.Tests.Translation.Contracts;

/// <summary>DeepL API v2 against a local server replaying its documented answers and errors.</summary>
public class DeepLContractTests() : ProviderContractTests(Documented)
{
    private ITranslationProvider DeepL()
    {
        var settings = ProviderHost.FastRetries("DeepL");
        settings["DeepL:Key"] = "0c1d2e3f-test:fx";
        settings["DeepL:Url"] = Server.Url;
        return Host(settings).Provider("deepl");
    }

    private IReadOnlyList<RecordedRequest> Translations => Server.RequestsTo("/v2/translate");

    [Fact]
    public async Task Requests_carry_the_key_and_upper_case_language_codes()
    {
        var result = await DeepL().TranslateAsync(["Hello", "Solidarity!"], "en", ["es", "pt-BR"], CancellationToken.None);

        Assert.Equal(2, Translations.Count);
        Assert.All(Translations, r => Assert.Equal("DeepL-Auth-Key 0c1d2e3f-test:fx", r.Header("Authorization")));
        Assert.All(Translations, r => Assert.Equal("EN", r.Json.GetProperty("source_lang").GetString()));
        Assert.Equal(["ES", "PT-BR"], Translations.Select(r => r.Json.GetProperty("target_lang").GetString()));
        Assert.Equal(["Hello", "Solidarity!"], Translations[0].Json.GetProperty("text").EnumerateArray().Select(e => e.GetString()));
        Assert.StartsWith("application/json", Translations[0].Header("Content-Type"));

        Assert.Equal(["[ES] Hello", "[ES] Solidarity!"], result["es"]);
        Assert.Equal(["[PT-BR] Hello", "[PT-BR] Solidarity!"], result["pt-BR"]);
    }

    [Fact]
    public async Task The_documented_answer_is_read_in_text_order()
    {
        Server.AnswerNext("/v2/translate", 200, """
            {"translations":[{"detected_source_language":"EN","text":"Hallo, Welt!"},{"detected_source_language":"EN","text":"Solidarität!"}]}
            """);

        var result = await DeepL().TranslateAsync(["Hello, world!", "Solidarity!"], "en", ["de"], CancellationToken.None);

        Assert.Equal(["Hallo, Welt!", "Solidarität!"], result["de"]);
    }

    [Theory]
    [InlineData("0c1d2e3f-4a5b:fx", null, DeepLOptions.FreeUrl)]
    [InlineData("0c1d2e3f-4a5b", null, DeepLOptions.ProUrl)]
    [InlineData("0c1d2e3f-4a5b:fx", "http://127.0.0.1:9/", "http://127.0.0.1:9/")]
    public void The_host_follows_the_key_unless_a_url_is_set(string key, string? url, string expected)
    {
        Assert.Equal(expected, new DeepLOptions { Key = key, Url = url }.ServiceUrl());

        // And the registered client really uses it.
        var http = Host(new() { ["DeepL:Key"] = key, ["DeepL:Url"] = url })
            .GetRequiredService<IHttpClientFactory>().CreateClient(nameof(DeepLClient));
        Assert.Equal(new Uri(expected.TrimEnd('/') + "/"), http.BaseAddress);
    }

    [Fact]
    public async Task Quota_exceeded_456_is_not_retried_and_not_transient()
    {
        Server.AnswerNext("/v2/translate", 456, """{"message":"Quota exceeded"}""");

        var failure = await Assert.ThrowsAsync<TranslationFailedException>(
            () => DeepL().TranslateAsync(["Hello"], "en", ["es"], CancellationToken.None));

        Assert.Single(Translations);
        Assert.False(failure.Transient);
        Assert.Contains("456", failure.Message);
    }

    [Fact]
    public async Task A_503_and_a_429_are_retried()
    {
        Server.AnswerNext("/v2/translate", 503, """{"message":"Service unavailable"}""")
               .AnswerNext("/v2/translate", 429, """{"message":"Too many requests"}""", retryAfter: "0");

        var result = await DeepL().TranslateAsync(["Hello"], "en", ["es"], CancellationToken.None);

        Assert.Equal(3, Translations.Count);
        Assert.Equal(["[ES] Hello"], result["es"]);
    }

    [Fact]
    public async Task Pairs_come_from_the_source_and_target_languages()
    {
        var pairs = await DeepL().PairsAsync(CancellationToken.None);

        var requests = Server.RequestsTo("/v2/languages");
        Assert.Equal(["source", "target"], requests.Select(r => r.QueryValue("type")));
        Assert.All(requests, r => Assert.StartsWith("DeepL-Auth-Key ", r.Header("Authorization")));
        Assert.Equal(
            new HashSet<LanguagePair> { new("en", "de"), new("en", "pt"), new("de", "en"), new("de", "pt") },
            pairs.ToHashSet());
    }

    /// <summary>DeepL's documented behaviour: the key is checked, one translation per text, codes in upper case.</summary>
    private static FakeAnswer Documented(RecordedRequest request)
    {
        if (request.Header("Authorization")?.StartsWith("DeepL-Auth-Key ", StringComparison.Ordinal) != true)
            return new FakeAnswer(403, """{"message":"Forbidden"}""");
        if (request.Path == "/v2/languages")
            return new FakeAnswer(200, request.QueryValue("type") == "target"
                ? """[{"language":"DE","name":"German","supports_formality":true},{"language":"EN-GB","name":"English (British)","supports_formality":false},{"language":"EN-US","name":"English (American)","supports_formality":false},{"language":"PT-BR","name":"Portuguese (Brazilian)","supports_formality":true}]"""
                : """[{"language":"DE","name":"German"},{"language":"EN","name":"English"}]""");
        var body = request.Json;
        var target = body.GetProperty("target_lang").GetString();
        var source = body.GetProperty("source_lang").GetString();
        return FakeAnswer.Ok(new
        {
            translations = body.GetProperty("text").EnumerateArray()
                .Select(t => new { detected_source_language = source, text = $"[{target}] {t.GetString()}" }),
        });
    }
}
