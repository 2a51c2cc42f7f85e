using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Relay.Translation.Providers;

namespace Relay.Tests.Translation.Contracts;

/// <summary>Azure Translator v3 against a local server replaying its documented answers and errors.</summary>
public class AzureTranslatorContractTests() : ProviderContractTests(Documented)
{
    private ITranslationProvider Azure(string? endpoint = null, Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = ProviderHost.FastRetries("Azure");
        settings["Azure:Endpoint"] = endpoint ?? Server.Url;
        settings["Azure:Key"] = "test-key";
        settings["Azure:Region"] = "westeurope";
        configure?.Invoke(settings);
        var host = Host(settings);
        return host.Provider("azure");
    }

    private IReadOnlyList<RecordedRequest> Translations => Server.RequestsTo("/translate");

    [Fact]
    public async Task Every_target_goes_in_one_request_with_key_region_version_and_from()
    {
        var result = await Azure().TranslateAsync(["Hello", "Solidarity!"], "en", ["es", "uk", "fr"], CancellationToken.None);

        var request = Assert.Single(Server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/translate", request.Path);
        Assert.Equal("3.0", request.QueryValue("api-version"));
        Assert.Equal("en", request.QueryValue("from"));
        Assert.Equal(["es", "uk", "fr"], request.QueryValues("to"));
        Assert.Equal("test-key", request.Header("Ocp-Apim-Subscription-Key"));
        Assert.Equal("westeurope", request.Header("Ocp-Apim-Subscription-Region"));
        Assert.True(Guid.TryParse(request.Header("X-ClientTraceId"), out _));
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Equal("""[{"Text":"Hello"},{"Text":"Solidarity!"}]""", request.Body);

        Assert.Equal(["[es] Hello", "[es] Solidarity!"], result["es"]);
        Assert.Equal(["[uk] Hello", "[uk] Solidarity!"], result["uk"]);
        Assert.Equal(["[fr] Hello", "[fr] Solidarity!"], result["fr"]);
    }

    [Fact]
    public async Task No_region_header_is_sent_for_a_global_resource()
    {
        await Azure(configure: s => s.Remove("Azure:Region")).TranslateAsync(["Hello"], "en", ["es"], CancellationToken.None);

        Assert.Null(Assert.Single(Server.Requests).Header("Ocp-Apim-Subscription-Region"));
    }

    [Fact]
    public async Task The_documented_answer_is_read_per_target_in_text_order()
    {
        // The shape from Translator's reference, detectedLanguage included.
        Server.AnswerNext("/translate", 200, """
            [
              {"detectedLanguage":{"language":"en","score":1.0},
               "translations":[{"text":"Hola","to":"es"},{"text":"Привіт","to":"uk"}]},
              {"detectedLanguage":{"language":"en","score":1.0},
               "translations":[{"text":"¡Solidaridad!","to":"es"},{"text":"Солідарність!","to":"uk"}]}
            ]
            """);

        var result = await Azure().TranslateAsync(["Hello", "Solidarity!"], "en", ["es", "uk"], CancellationToken.None);

        Assert.Equal(["Hola", "¡Solidaridad!"], result["es"]);
        Assert.Equal(["Привіт", "Солідарність!"], result["uk"]);
    }

    [Theory]
    [InlineData(20, 1_000, 2)]    // 20,000 characters: two targets fit a request, the third gets its own
    [InlineData(40, 1_500, 6)]    // 60,000 characters: one target a request, and the texts in two requests each
    [InlineData(1, 120_000, 0)]   // one text longer than a request: cut on sentences, rejoined
    public async Task Requests_stay_within_50000_characters_counted_over_all_targets(int count, int length, int expectedRequests)
    {
        var texts = Enumerable.Range(1, count).Select(i => ProviderHost.Sentences(i, length)).ToList();
        string[] targets = ["es", "uk", "fr"];

        var result = await Azure().TranslateAsync(texts, "en", targets, CancellationToken.None);

        if (expectedRequests > 0)
            Assert.Equal(expectedRequests, Translations.Count);
        else
            Assert.True(Translations.Count > targets.Length, $"only {Translations.Count} requests");
        foreach (var request in Translations)
        {
            var characters = request.Json.EnumerateArray().Sum(e => e.GetProperty("Text").GetString()!.Length);
            Assert.True(characters * request.QueryValues("to").Length <= 50_000,
                $"{characters} characters × {request.QueryValues("to").Length} targets");
        }
        foreach (var to in targets)
        {
            Assert.Equal(texts.Count, result[to].Count);
            for (var i = 0; i < texts.Count; i++)
                Assert.Equal(texts[i], result[to][i].Replace($"[{to}] ", ""));
            // Each target was asked for every character once.
            var sent = Translations.Where(r => r.QueryValues("to").Contains(to))
                .Sum(r => r.Json.EnumerateArray().Sum(e => e.GetProperty("Text").GetString()!.Length));
            Assert.InRange(sent, texts.Sum(t => t.Length) - 1_000, texts.Sum(t => t.Length));
        }
    }

    [Fact]
    public async Task Requests_stay_within_1000_elements()
    {
        // About 11,500 characters: all three targets fit one request, the elements do not.
        var texts = Enumerable.Range(1, 2_500).Select(i => $"T{i}").ToList();

        var result = await Azure().TranslateAsync(texts, "en", ["es", "uk", "fr"], CancellationToken.None);

        Assert.Equal([1_000, 1_000, 500], Translations.Select(r => r.Json.GetArrayLength()));
        Assert.All(Translations, r => Assert.Equal(["es", "uk", "fr"], r.QueryValues("to")));
        Assert.Equal(texts.Select(t => "[uk] " + t), result["uk"]);
    }

    [Fact]
    public async Task A_429_and_a_503_are_retried_then_the_answer_is_used()
    {
        Server.AnswerNext("/translate", 429, """{"error":{"code":429001,"message":"The server rejected the request because the client has exceeded request limits."}}""", retryAfter: "0")
               .AnswerNext("/translate", 503, """{"error":{"code":503000,"message":"The service is temporarily unavailable."}}""");

        var result = await Azure().TranslateAsync(["Hello"], "en", ["es"], CancellationToken.None);

        Assert.Equal(3, Translations.Count);
        Assert.Equal(["[es] Hello"], result["es"]);
    }

    [Fact]
    public async Task Retry_after_is_honoured()
    {
        Server.AnswerNext("/translate", 429, """{"error":{"code":429001,"message":"Too many requests."}}""", retryAfter: "1");
        var azure = Azure();

        var clock = Stopwatch.StartNew();
        await azure.TranslateAsync(["Hello"], "en", ["es"], CancellationToken.None);

        Assert.Equal(2, Translations.Count);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {clock.Elapsed}, not after the 1 s asked for");
    }

    [Fact]
    public async Task Persistent_429_gives_up_after_four_attempts_as_transient()
    {
        for (var i = 0; i < 4; i++)
            Server.AnswerNext("/translate", 429, """{"error":{"code":429001,"message":"Too many requests."}}""", retryAfter: "0");

        var failure = await Assert.ThrowsAsync<TranslationFailedException>(
            () => Azure().TranslateAsync(["Hello"], "en", ["es"], CancellationToken.None));

        Assert.Equal(4, Translations.Count);
        Assert.True(failure.Transient);
        Assert.Contains("429001", failure.Message);
    }

    [Theory]
    [InlineData(401, 401000, "The request is not authorized because credentials are missing or invalid.")]
    [InlineData(403, 403001, "The operation is not allowed because the subscription has exceeded its free quota.")]
    [InlineData(400, 400036, "The target language (\"To\" field) is missing or invalid.")]
    [InlineData(415, 415000, "The Content-Type header is missing or invalid.")]
    public async Task Refusals_are_not_retried_and_not_transient(int status, int code, string message)
    {
        Server.AnswerNext("/translate", status, JsonSerializer.Serialize(new { error = new { code, message } }));

        var failure = await Assert.ThrowsAsync<TranslationFailedException>(
            () => Azure().TranslateAsync(["Hello"], "en", ["es"], CancellationToken.None));

        Assert.Single(Translations);
        Assert.False(failure.Transient);
        Assert.Contains(code.ToString(), failure.Message);
        Assert.Contains(message, failure.Message);
    }

    [Fact]
    public async Task An_attempt_that_hangs_is_abandoned_and_retried()
    {
        Server.AnswerNext("/translate", 200, "[]", delay: TimeSpan.FromSeconds(10));

        var result = await Azure(configure: s => s["Azure:RequestTimeout"] = "00:00:00.300")
            .TranslateAsync(["Hello"], "en", ["es"], CancellationToken.None);

        Assert.Equal(2, Translations.Count);
        Assert.Equal(["[es] Hello"], result["es"]);
    }

    [Fact]
    public async Task An_answer_missing_an_element_or_a_target_is_refused()
    {
        Server.AnswerNext("/translate", 200, """[{"translations":[{"text":"Hola","to":"es"},{"text":"Привіт","to":"uk"}]}]""")
               .AnswerNext("/translate", 200, """[{"translations":[{"text":"Hola","to":"es"}]},{"translations":[{"text":"Adiós","to":"es"}]}]""");
        var azure = Azure();

        await Assert.ThrowsAsync<TranslationFailedException>(() => azure.TranslateAsync(["Hello", "Bye"], "en", ["es", "uk"], CancellationToken.None));
        await Assert.ThrowsAsync<TranslationFailedException>(() => azure.TranslateAsync(["Hello", "Bye"], "en", ["es", "uk"], CancellationToken.None));
    }

    [Fact]
    public async Task An_unreachable_endpoint_fails_as_transient()
    {
        string closed;
        await using (var gone = await FakeProviderServer.StartAsync(Documented))
            closed = gone.Url;

        var failure = await Assert.ThrowsAsync<TranslationFailedException>(
            () => Azure(endpoint: closed).TranslateAsync(["Hello"], "en", ["es"], CancellationToken.None));

        Assert.True(failure.Transient);
    }

    [Fact]
    public async Task Pairs_come_from_languages_without_a_key_and_are_cached()
    {
        var azure = Azure();

        var pairs = await azure.PairsAsync(CancellationToken.None);
        await azure.PairsAsync(CancellationToken.None);

        var request = Assert.Single(Server.Requests);
        Assert.Equal("/languages", request.Path);
        Assert.Equal("3.0", request.QueryValue("api-version"));
        Assert.Equal("translation", request.QueryValue("scope"));
        Assert.Null(request.Header("Ocp-Apim-Subscription-Key"));
        Assert.Contains(new LanguagePair("en", "uk"), pairs);
        Assert.Contains(new LanguagePair("uk", "en"), pairs);
        Assert.Contains(new LanguagePair("zh", "es"), pairs);  // "zh-Hans" as a primary subtag
        Assert.DoesNotContain(new LanguagePair("en", "en"), pairs);
        Assert.Equal(4 * 3, pairs.Count);
    }

    [Fact]
    public async Task Configured_languages_replace_discovery()
    {
        var pairs = await Azure(configure: s => s["Azure:Languages"] = "en, es,uk").PairsAsync(CancellationToken.None);

        Assert.Empty(Server.Requests);
        Assert.Equal(6, pairs.Count);
        Assert.Contains(new LanguagePair("es", "uk"), pairs);
    }

    [Fact]
    public async Task A_custom_endpoint_keeps_its_path()
    {
        var azure = Azure(endpoint: Server.Url + "/translator/text/v3.0");

        await azure.TranslateAsync(["Hello"], "en", ["es"], CancellationToken.None);

        var request = Assert.Single(Server.Requests);
        Assert.Equal("/translator/text/v3.0/translate", request.Path);
        Assert.Equal("en", request.QueryValue("from"));
    }

    /// <summary>Translator's documented behaviour: the key is checked, the limits enforced, one translation per target.</summary>
    private static FakeAnswer Documented(RecordedRequest request)
    {
        if (request.Path.EndsWith("/languages"))
            return new FakeAnswer(200, """
                {"translation":{
                  "en":{"name":"English","nativeName":"English","dir":"ltr"},
                  "es":{"name":"Spanish","nativeName":"Español","dir":"ltr"},
                  "uk":{"name":"Ukrainian","nativeName":"Українська","dir":"ltr"},
                  "zh-Hans":{"name":"Chinese Simplified","nativeName":"中文 (简体)","dir":"ltr"}}}
                """);
        if (string.IsNullOrEmpty(request.Header("Ocp-Apim-Subscription-Key")))
            return Error(401, 401000, "The request is not authorized because credentials are missing or invalid.");
        var texts = request.Json.EnumerateArray().Select(e => e.GetProperty("Text").GetString()!).ToList();
        var targets = request.QueryValues("to");
        if (targets.Length == 0)
            return Error(400, 400036, "The target language (\"To\" field) is missing or invalid.");
        if (texts.Count > 1_000 || texts.Sum(t => t.Length) * targets.Length > 50_000)
            return Error(400, 400077, "The maximum request size has been exceeded.");
        return FakeAnswer.Ok(texts.Select(text => new
        {
            translations = targets.Select(to => new { text = $"[{to}] {text}", to }),
        }));
    }

    private static FakeAnswer Error(int status, int code, string message) =>
        new(status, JsonSerializer.Serialize(new { error = new { code, message } }));
}
