using Microsoft.AspNetCore.WebUtilities;
using Relay.Moderation.Screening;
using Relay.Tests.Translation.Contracts;

namespace Relay.Tests.Moderation.Contracts;

/// <summary>
/// Akismet's <c>comment-check</c> against a local server replaying its documented answers: "true" for
/// its documented test author (comment_author_email akismet-guaranteed-spam@example.com), "false"
/// otherwise, "invalid" with X-akismet-debug-help for a call it cannot take.
/// </summary>
public class AkismetContractTests() : ScreeningServiceContractTests(Documented)
{
    private const string Section = "Moderation:Akismet";
    internal const string GuaranteedSpam = "akismet-guaranteed-spam@example.com";

    private ScreeningServices Akismet(Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = FastRetries(Section);
        settings[$"{Section}:Enabled"] = "true";
        settings[$"{Section}:Endpoint"] = Server.Url;
        settings[$"{Section}:Key"] = Key;
        settings[$"{Section}:Blog"] = "https://relay.example.org";
        configure?.Invoke(settings);
        return Services(settings);
    }

    private IReadOnlyList<RecordedRequest> Checks => Server.RequestsTo("/1.1/comment-check");

    private static Dictionary<string, string> Form(RecordedRequest request) =>
        QueryHelpers.ParseQuery(request.Body).ToDictionary(f => f.Key, f => f.Value.ToString());

    private static FakeAnswer Answer(string body, params (string Name, string Value)[] headers) =>
        new(200, body, Headers: headers.ToDictionary(h => h.Name, h => h.Value), ContentType: "text/plain; charset=utf-8");

    [Fact]
    public async Task The_original_goes_as_a_form_with_the_documented_fields_and_false_passes()
    {
        var message = Message("We stand with the striking miners.", ("es", "Estamos con los mineros en huelga."));
        message.Author = "Olena Kovalenko";

        var objections = await ScreenAsync(Akismet(s => s[$"{Section}:UserIp"] = "203.0.113.7"), message);

        Assert.Empty(objections);
        var request = Assert.Single(Checks);
        Assert.Equal(("POST", "/1.1/comment-check"), (request.Method, request.Path));
        Assert.StartsWith("application/x-www-form-urlencoded", request.Header("Content-Type"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["api_key"] = Key,
            ["blog"] = "https://relay.example.org",
            ["user_ip"] = "203.0.113.7",
            ["comment_type"] = "message",
            ["comment_content"] = "Solidarity\n\nWe stand with the striking miners.",
            ["comment_date_gmt"] = "2026-03-08T09:30:00Z",
            ["blog_lang"] = "en",
            ["blog_charset"] = "UTF-8",
            ["comment_author"] = "Olena Kovalenko",
            ["comment_author_email"] = "sindicato@unions.example.org",
        }, Form(request));
    }

    [Fact]
    public async Task Without_an_author_the_sending_union_is_named_and_is_test_is_sent_when_configured()
    {
        await ScreenAsync(Akismet(s => s[$"{Section}:IsTest"] = "true"), Message("Solidarity."));

        var form = Form(Assert.Single(Checks));
        Assert.Equal("Sindicato de Prueba", form["comment_author"]);
        Assert.Equal("true", form["is_test"]);
    }

    [Fact]
    public async Task Spam_holds()
    {
        var message = Message("Solidarity.");
        message.Sender!.Email = GuaranteedSpam;

        var objection = Assert.Single(await ScreenAsync(Akismet(), message));

        Assert.Equal(("akismet", "spam", false, false), (objection.Code, objection.Reason, objection.Rejects, objection.HoldsAtMost));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Blatant_spam_is_spam_discard_and_rejects_only_when_configured(bool rejectDiscard)
    {
        Server.AnswerNext("/1.1/comment-check", Answer("true", ("X-akismet-pro-tip", "discard")));

        var objection = Assert.Single(await ScreenAsync(Akismet(s => s[$"{Section}:RejectDiscard"] = rejectDiscard.ToString()), Message("Solidarity.")));

        Assert.Equal(("akismet", "spam, discard", rejectDiscard), (objection.Code, objection.Reason, objection.Rejects));
    }

    [Fact]
    public async Task A_wrong_key_answers_invalid_and_holds_as_unavailable_with_the_debug_help()
    {
        var objection = Assert.Single(await ScreenAsync(Akismet(s => s[$"{Section}:Key"] = "wrong-key"), Message("Solidarity.")));

        Assert.Single(Checks);
        Assert.Equal("unavailable (invalid: Invalid key.)", objection.Reason);
        Assert.True(objection.HoldsAtMost);
    }

    [Fact]
    public async Task An_account_error_holds_even_though_the_body_says_false()
    {
        // A suspended key answers "false" to everything, with X-akismet-error and an alert.
        Server.AnswerNext("/1.1/comment-check", Answer("false",
            ("X-akismet-error", "suspended"), ("X-akismet-alert-code", "10402"), ("X-akismet-alert-msg", "Your API key has been suspended.")));

        var objection = Assert.Single(await ScreenAsync(Akismet(), Message("Solidarity.")));

        Assert.Equal("unavailable (X-akismet-error: suspended, alert 10402 Your API key has been suspended.)", objection.Reason);
        Assert.True(objection.HoldsAtMost);
    }

    [Fact]
    public async Task A_5xx_is_retried_and_then_the_answer_used()
    {
        Server.AnswerNext("/1.1/comment-check", new FakeAnswer(503, "Service Unavailable", ContentType: "text/plain"));
        var message = Message("Solidarity.");
        message.Sender!.Email = GuaranteedSpam;

        Assert.Equal(["akismet: spam"], Lines(await ScreenAsync(Akismet(), message)));
        Assert.Equal(2, Checks.Count);
    }

    [Fact]
    public async Task A_5xx_through_every_attempt_holds_as_unavailable()
    {
        for (var i = 0; i < 3; i++)
            Server.AnswerNext("/1.1/comment-check", new FakeAnswer(500, "Internal Server Error", ContentType: "text/plain"));

        var objection = Assert.Single(await ScreenAsync(Akismet(), Message("Solidarity.")));

        Assert.Equal(3, Checks.Count);
        Assert.Equal("akismet: unavailable (500: Internal Server Error)", Lines([objection]).Single());
        Assert.True(objection.HoldsAtMost);
    }

    [Fact]
    public async Task Off_by_default_and_when_not_enabled_nothing_is_sent()
    {
        var message = Message("Solidarity.");
        message.Sender!.Email = GuaranteedSpam;

        Assert.Empty(await ScreenAsync(Services([]), message));
        Assert.Empty(await ScreenAsync(Akismet(s => s[$"{Section}:Enabled"] = "false"), message));

        Assert.Empty(Server.Requests);
    }

    /// <summary>
    /// comment-check as documented: required fields checked ("invalid" with X-akismet-debug-help; the
    /// help's wording is Akismet's and not fixed by the documentation), "true" for the documented test
    /// address, "false" otherwise; plain-text bodies.
    /// </summary>
    internal static FakeAnswer Documented(RecordedRequest request)
    {
        var form = Form(request);
        if (form.GetValueOrDefault("api_key") != Key)
            return Answer("invalid", ("X-akismet-debug-help", "Invalid key."));
        if (string.IsNullOrEmpty(form.GetValueOrDefault("blog")))
            return Answer("invalid", ("X-akismet-debug-help", "Empty \"blog\" value"));
        return Answer(form.GetValueOrDefault("comment_author_email") == GuaranteedSpam ? "true" : "false");
    }
}
