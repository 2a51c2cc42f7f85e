using Relay.Intake;
using Relay.ServiceDefaults;

namespace Relay.Tests.Intake;

public class ValidationTests
{
    private static readonly IntakeOptions Options = new();
    private static readonly string Recipient = Guid.NewGuid().ToString();

    private static SubmitMessageRequest Valid => new([Recipient], "Solidarity", "We stand with you.", "en", "Andreas", true);

    [Fact]
    public void A_complete_request_is_valid() => Assert.True(Valid.Validate(Options).IsValid);

    public static TheoryData<SubmitMessageRequest, string> Invalid => new()
    {
        { Valid with { Recipients = [] }, "at least one recipient" },
        { Valid with { Recipients = null }, "at least one recipient" },
        { Valid with { Recipients = ["someone@example.org"] }, "'someone@example.org' is not a union id" },
        { Valid with { Title = " " }, "title is empty" },
        { Valid with { Title = new string('x', 201) }, "201 characters; at most 200" },
        { Valid with { Title = "Hello\r\nBcc: x@example.org" }, "line breaks" },
        { Valid with { Body = "" }, "body is empty" },
        { Valid with { Body = new string('x', 20_001) }, "20001 characters; at most 20000" },
        { Valid with { Language = "english" }, "'english' is not a BCP-47 language code" },
        { Valid with { Language = "e" }, "not a BCP-47" },
        { Valid with { Author = "Andreas\nBcc: x@example.org" }, "author may not contain line breaks" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Each_bad_field_is_named_in_the_detail(SubmitMessageRequest request, string expected)
    {
        var validation = request.Validate(Options);
        Assert.False(validation.IsValid);
        var detail = validation.Problem().ProblemDetails.Detail;
        Assert.Contains(expected, detail);
    }

    [Theory]
    [InlineData("en", true)]
    [InlineData("pt-BR", true)]
    [InlineData("sr-Latn-RS", true)]
    [InlineData("ukr", true)]
    [InlineData("english", false)]
    [InlineData("en_US", false)]
    [InlineData("", false)]
    [InlineData("e", false)]
    public void Language_codes_are_bcp47(string tag, bool valid) => Assert.Equal(valid, LanguageTags.IsValid(tag));

    [Theory]
    [InlineData("EN", "en")]
    [InlineData("pt-br", "pt-BR")]
    [InlineData("sr-latn-rs", "sr-Latn-RS")]
    public void Language_codes_are_normalised(string tag, string expected) => Assert.Equal(expected, LanguageTags.Normalize(tag));

    [Theory]
    [InlineData("en", "eng")]
    [InlineData("es", "spa")]
    [InlineData("uk", "ukr")]
    [InlineData("be", "bel")]
    [InlineData("ca", "cat")]
    [InlineData("pt-BR", "por")]
    public void Apertium_codes_map_both_ways(string tag, string alpha3)
    {
        Assert.Equal(alpha3, LanguageTags.ToAlpha3(tag));
        Assert.Equal(LanguageTags.Primary(tag), LanguageTags.FromIso6393(alpha3));
    }

    [Fact]
    public void Union_validation_names_every_problem()
    {
        var detail = UnionsApi.Validate(new CreateUnionRequest("", "Colombia", ["spanish"], "not-an-address")).Problem().ProblemDetails.Detail!;
        Assert.Contains("needs a name", detail);
        Assert.Contains("'Colombia' is not an ISO 3166", detail);
        Assert.Contains("'spanish' is not a BCP-47", detail);
        Assert.Contains("'not-an-address' is not an email address", detail);
        Assert.True(UnionsApi.Validate(new CreateUnionRequest("Sintracarbón", "CO", ["es"], "info@sintracarbon.example")).IsValid);
    }
}
