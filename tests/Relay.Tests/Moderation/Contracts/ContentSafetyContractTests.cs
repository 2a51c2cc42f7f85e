using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Relay.Moderation.Screening;
using Relay.Tests.Translation.Contracts;

namespace Relay.Tests.Moderation.Contracts;

/// <summary>
/// Azure AI Content Safety's <c>text:analyze</c> (2024-09-01) against a local server replaying its
/// documented answers and errors. The fake gives a category the severity that a "[Violence 6]" marker
/// in the text asks for (0 otherwise), folded to 0, 2, 4, 6 for FourSeverityLevels as the service does.
/// </summary>
public partial class ContentSafetyContractTests() : ScreeningServiceContractTests(Documented)
{
    private const string Section = "Moderation:ContentSafety";

    private ScreeningServices ContentSafety(Action<Dictionary<string, string?>>? configure = null, string? endpoint = null)
    {
        var settings = FastRetries(Section);
        settings[$"{Section}:Enabled"] = "true";
        settings[$"{Section}:Endpoint"] = endpoint ?? Server.Url;
        settings[$"{Section}:Key"] = Key;
        configure?.Invoke(settings);
        return Services(settings);
    }

    private IReadOnlyList<RecordedRequest> Analyses => Server.RequestsTo("/contentsafety/text:analyze");

    private static string SentText(RecordedRequest request) => request.Json.GetProperty("text").GetString()!;

    [Fact]
    public async Task Each_text_is_one_request_with_the_key_version_categories_and_output_type_and_harmless_text_passes()
    {
        var message = Message("We stand with the striking miners.", ("es", "Estamos con los mineros en huelga."), ("uk", "Ми з шахтарями."));

        var objections = await ScreenAsync(ContentSafety(), message);

        Assert.Empty(objections);
        Assert.Equal(3, Analyses.Count);
        var first = Analyses[0];
        Assert.Equal("POST", first.Method);
        Assert.Equal("2024-09-01", first.QueryValue("api-version"));
        Assert.Equal(Key, first.Header("Ocp-Apim-Subscription-Key"));
        Assert.StartsWith("application/json", first.Header("Content-Type"));
        Assert.Equal("Solidarity\n\nWe stand with the striking miners.", SentText(first));
        Assert.Equal(["Hate", "SelfHarm", "Sexual", "Violence"], first.Json.GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("FourSeverityLevels", first.Json.GetProperty("outputType").GetString());
        Assert.False(first.Json.TryGetProperty("blocklistNames", out _));
        Assert.Equal(["Solidaridad\n\nEstamos con los mineros en huelga.", "Solidaridad\n\nМи з шахтарями."], Analyses.Skip(1).Select(SentText));
    }

    [Fact]
    public async Task A_category_at_its_threshold_objects_and_one_only_in_a_translation_holds_at_most()
    {
        var message = Message("They were beaten at the gate. [Violence 6] [Sexual 3]", ("es", "Texto traducido. [Hate 5]"));

        var objections = await ScreenAsync(ContentSafety(), message);

        Assert.Equal(["content-safety: Violence severity 6 in the en text, at or above 4", "content-safety: Hate severity 4 in the es text, at or above 4"],
            Lines(objections));
        Assert.Equal([false, true], objections.Select(o => o.HoldsAtMost));
        Assert.All(objections, o => Assert.False(o.Rejects));
    }

    [Fact]
    public async Task Thresholds_and_eight_severity_levels_come_from_configuration_and_a_zero_threshold_leaves_a_category_out()
    {
        var services = ContentSafety(s =>
        {
            s[$"{Section}:OutputType"] = "EightSeverityLevels";
            s[$"{Section}:Thresholds:Violence"] = "6";
            s[$"{Section}:Thresholds:Hate"] = "0";
            s[$"{Section}:Thresholds:SelfHarm"] = "3";
        });

        var objections = await ScreenAsync(services, Message("Text. [Violence 5] [Hate 7] [SelfHarm 3]"));

        var request = Assert.Single(Analyses);
        Assert.Equal("EightSeverityLevels", request.Json.GetProperty("outputType").GetString());
        Assert.Equal(["SelfHarm", "Sexual", "Violence"], request.Json.GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["content-safety: SelfHarm severity 3 in the en text, at or above 3"], Lines(objections));
    }

    [Fact]
    public async Task Only_the_original_is_sent_when_translations_are_not_screened()
    {
        await ScreenAsync(ContentSafety(s => s[$"{Section}:ScreenTranslations"] = "false"), Message("Solidarity.", ("es", "Solidaridad.")));

        Assert.Equal("Solidarity\n\nSolidarity.", SentText(Assert.Single(Analyses)));
    }

    [Fact]
    public async Task A_text_over_10000_characters_goes_in_pieces_cut_between_words_and_the_highest_severity_counts()
    {
        // About 25,000 characters, the marker near the end: it is only in the last piece.
        var body = ProviderHost.Sentences(1, 25_000) + " [Violence 4]";

        var objections = await ScreenAsync(ContentSafety(), Message(body));

        Assert.Equal(3, Analyses.Count);
        Assert.All(Analyses, r => Assert.InRange(SentText(r).Length, 5_000, 10_000));
        Assert.All(Analyses.SkipLast(1), r => Assert.EndsWith(" ", SentText(r)));
        Assert.Equal("Solidarity\n\n" + body, string.Concat(Analyses.Select(SentText)));
        Assert.Equal(["content-safety: Violence severity 4 in the en text, at or above 4"], Lines(objections));
    }

    [Fact]
    public async Task Blocklists_are_named_in_the_request_and_a_match_objects()
    {
        var services = ContentSafety(s => s[$"{Section}:BlocklistNames"] = "relay-terms, scabs");

        var objections = await ScreenAsync(services, Message("Hire a scab-for-hire today."));

        var request = Assert.Single(Analyses);
        Assert.Equal(["relay-terms", "scabs"], request.Json.GetProperty("blocklistNames").EnumerateArray().Select(c => c.GetString()));
        Assert.False(request.Json.GetProperty("haltOnBlocklistHit").GetBoolean());
        Assert.Equal(["content-safety: the en text matches the blocklist relay-terms (\"scab-for-hire\")",
            "content-safety: the en text matches the blocklist scabs (\"scab-for-hire\")"], Lines(objections));
    }

    [Fact]
    public async Task A_wrong_key_is_not_retried_and_holds_as_unavailable()
    {
        var objections = await ScreenAsync(ContentSafety(s => s[$"{Section}:Key"] = "wrong-key"), Message("Solidarity.", ("es", "Solidaridad.")));

        Assert.Single(Analyses);
        var objection = Assert.Single(objections);
        Assert.Equal("content-safety: unavailable (401: Access denied due to invalid subscription key or wrong API endpoint. "
            + "Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.)",
            Lines([objection]).Single());
        Assert.True(objection.HoldsAtMost);
    }

    [Fact]
    public async Task A_429_is_retried_after_the_time_asked_for_and_the_answer_used()
    {
        Server.AnswerNext("/contentsafety/text:analyze", 429, TooManyRequests, retryAfter: "1");
        var services = ContentSafety();

        var clock = Stopwatch.StartNew();
        var objections = await ScreenAsync(services, Message("Solidarity. [Hate 6]"));

        Assert.Equal(2, Analyses.Count);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {clock.Elapsed}, not after the 1 s asked for");
        Assert.Equal(["content-safety: Hate severity 6 in the en text, at or above 4"], Lines(objections));
    }

    [Theory]
    [InlineData(429, "429 TooManyRequests: Rate limit is exceeded. Try again in 1 seconds.")]
    [InlineData(500, "500 InternalError: Some unexpected situations on the server side were triggered.")]
    [InlineData(503, "503 ServerBusy: The server side cannot process the request temporarily.")]
    public async Task A_failure_that_persists_through_every_attempt_holds_as_unavailable(int status, string reason)
    {
        var body = status switch { 429 => TooManyRequests, 500 => Error("InternalError", "Some unexpected situations on the server side were triggered."),
            _ => Error("ServerBusy", "The server side cannot process the request temporarily.") };
        for (var i = 0; i < 3; i++)
            Server.AnswerNext("/contentsafety/text:analyze", status, body, retryAfter: status == 429 ? "0" : null);

        var objections = await ScreenAsync(ContentSafety(), Message("Solidarity.", ("es", "Solidaridad.")));

        // Three attempts at the original; the translation is not tried once the service is known to be failing.
        Assert.Equal(3, Analyses.Count);
        var objection = Assert.Single(objections);
        Assert.Equal($"content-safety: unavailable ({reason})", Lines([objection]).Single());
        Assert.True(objection.HoldsAtMost);
    }

    [Fact]
    public async Task Attempts_that_hang_are_abandoned_and_hold_as_unavailable()
    {
        for (var i = 0; i < 3; i++)
            Server.AnswerNext("/contentsafety/text:analyze", 200, "{}", delay: TimeSpan.FromSeconds(10));

        var services = ContentSafety(s => s[$"{Section}:RequestTimeout"] = "00:00:00.300");

        var clock = Stopwatch.StartNew();
        var objections = await ScreenAsync(services, Message("Solidarity."));

        Assert.Equal(["content-safety: unavailable (no answer in time)"], Lines(objections));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}: an attempt was waited out, not abandoned");
        // Retried after an abandoned attempt. (On a busy machine the last attempt can be given up
        // before the server has read it, so the server's count may stop at two.)
        Assert.True(Analyses.Count >= 2, $"{Analyses.Count} attempts");
    }

    [Fact]
    public async Task An_unreachable_endpoint_holds_as_unavailable()
    {
        string closed;
        await using (var gone = await FakeProviderServer.StartAsync(Documented))
            closed = gone.Url;

        var objection = Assert.Single(await ScreenAsync(ContentSafety(endpoint: closed), Message("Solidarity.")));

        Assert.StartsWith("unavailable (not reachable: ", objection.Reason);
        Assert.True(objection.HoldsAtMost);
    }

    [Fact]
    public async Task An_answer_that_is_not_the_documented_json_or_lacks_a_category_holds_as_unavailable()
    {
        Server.AnswerNext("/contentsafety/text:analyze", new FakeAnswer(200, "<html>proxy login</html>", ContentType: "text/html"));
        Assert.Equal(["content-safety: unavailable (an answer that is not the documented JSON: <html>proxy login</html>)"],
            Lines(await ScreenAsync(ContentSafety(), Message("Solidarity."))));

        Server.AnswerNext("/contentsafety/text:analyze", 200, """{"blocklistsMatch":[],"categoriesAnalysis":[{"category":"Hate","severity":0}]}""");
        Assert.Equal(["content-safety: unavailable (the answer for the en text has no severity for SelfHarm, Sexual, Violence)"],
            Lines(await ScreenAsync(ContentSafety(), Message("Solidarity."))));
    }

    [Fact]
    public async Task Off_by_default_and_when_not_enabled_nothing_is_sent()
    {
        Assert.Empty(await ScreenAsync(Services([]), Message("Solidarity. [Hate 6]")));
        Assert.Empty(await ScreenAsync(ContentSafety(s => s[$"{Section}:Enabled"] = "false"), Message("Solidarity. [Hate 6]")));

        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task Enabled_without_a_key_is_refused_rather_than_screening_nothing()
    {
        var services = ContentSafety(s => s[$"{Section}:Key"] = "");

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => ScreenAsync(services, Message("Solidarity.")));

        Assert.Contains(Section, failure.Message);
        Assert.Empty(Server.Requests);
    }

    [GeneratedRegex(@"\[(Hate|SelfHarm|Sexual|Violence) ([0-7])\]")]
    private static partial Regex Marker();

    private static readonly string TooManyRequests = Error("TooManyRequests", "Rate limit is exceeded. Try again in 1 seconds.");

    private static string Error(string code, string message) => JsonSerializer.Serialize(new { error = new { code, message } });

    /// <summary>
    /// The service as documented: the key is checked (the gateway's 401), the text may hold at most
    /// 10,000 characters, every category asked for is answered, blocklists asked for are matched.
    /// </summary>
    internal static FakeAnswer Documented(RecordedRequest request)
    {
        if (request.Header("Ocp-Apim-Subscription-Key") != Key)
            return new(401, JsonSerializer.Serialize(new { error = new { code = "401", message =
                "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource." } }));
        var text = request.Json.GetProperty("text").GetString()!;
        if (text.EnumerateRunes().Count() > 10_000)
            return new(400, Error("InvalidRequestBody", "The text is longer than 10,000 characters."));
        var categories = request.Json.TryGetProperty("categories", out var asked)
            ? asked.EnumerateArray().Select(c => c.GetString()!).ToList() : ["Hate", "SelfHarm", "Sexual", "Violence"];
        var eight = request.Json.TryGetProperty("outputType", out var output) && output.GetString() == "EightSeverityLevels";
        var blocklists = request.Json.TryGetProperty("blocklistNames", out var names) ? names.EnumerateArray().Select(n => n.GetString()!).ToList() : [];

        int Severity(string category)
        {
            var severity = Marker().Matches(text).Where(m => m.Groups[1].Value == category).Select(m => int.Parse(m.Groups[2].Value)).DefaultIfEmpty(0).Max();
            return eight ? severity : severity / 2 * 2;
        }
        return FakeAnswer.Ok(new
        {
            blocklistsMatch = text.Contains("scab-for-hire", StringComparison.Ordinal)
                ? blocklists.Select(b => new { blocklistName = b, blocklistItemId = Guid.NewGuid().ToString(), blocklistItemText = "scab-for-hire" }).ToArray()
                : [],
            categoriesAnalysis = categories.Select(c => new { category = c, severity = Severity(c) }),
        });
    }
}
