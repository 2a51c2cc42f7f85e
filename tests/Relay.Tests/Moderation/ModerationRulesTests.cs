using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Relay.Moderation;
using Relay.Tests.Support;

namespace Relay.Tests.Moderation;

/// <summary>The rules one by one, on the pure function: each objects when it should, and not just short of it.</summary>
public class ModerationRulesTests
{
    /// <summary>A union with approved messages behind it, nothing sent lately, recipients with no policy.</summary>
    private static readonly MessageFacts Known = new() { ApprovedEarlier = 10 };

    private static string Letter => Seeds.Cerrejon.Body;

    private static ScreeningResult Screen(string body, MessageFacts? facts = null, ModerationOptions? options = null,
        Blocklist? blocklist = null, string title = "Solidarity", string language = "en", ScreenedText? translation = null) =>
        ModerationRules.Screen(new ScreenedText(language, title, body), translation is null ? [] : [translation],
            facts ?? Known, options ?? new ModerationOptions(), blocklist);

    private static void Approved(ScreeningResult result) =>
        Assert.True(result.Decision == ScreeningDecision.Approve, string.Join("; ", result.Reasons));

    private static string Held(ScreeningResult result, string code)
    {
        Assert.Equal(ScreeningDecision.Hold, result.Decision);
        var reason = Assert.Single(result.Reasons);
        Assert.StartsWith(code + ": ", reason);
        return reason;
    }

    private static Blocklist Lists(params (string Language, string[] Terms)[] lists) =>
        new(lists.ToDictionary(l => l.Language, l => (IReadOnlyList<string>)l.Terms));

    /// <summary>The lists shipped with the service, as the worker reads them.</summary>
    private static Blocklist ShippedLists() =>
        new BlocklistFiles(Options.Create(new ModerationOptions()), NullLogger<BlocklistFiles>.Instance).Current;

    [Fact]
    public void Every_seed_letter_is_approved_with_the_default_rules_and_shipped_blocklists()
    {
        var lists = ShippedLists();
        Assert.NotEmpty(lists.Find("en", "Buy followers today"));
        Assert.True(Seeds.Letters.Count >= 5);
        foreach (var letter in Seeds.Letters)
        {
            // The other letters were sent within the duplicate window: different letters are no duplicates.
            var facts = Known with { RecentBodies = Seeds.Letters.Where(l => l != letter).Select(l => l.Body).ToList() };
            var result = Screen(letter.Body, facts, blocklist: lists, title: letter.Title);
            Assert.True(result.Decision == ScreeningDecision.Approve, $"'{letter.Title}' was held: {string.Join("; ", result.Reasons)}");
        }
    }

    [Fact]
    public void A_body_too_short_to_be_a_letter_is_held() =>
        Assert.Equal("length: the body has 3 characters, fewer than 20", Held(Screen("Hi!"), "length"));

    [Fact]
    public void A_body_longer_than_the_maximum_is_held_and_one_at_the_maximum_passes()
    {
        var options = new ModerationOptions { MaxBodyCharacters = Letter.Length };
        Approved(Screen(Letter, options: options));
        Assert.Equal($"length: the body has {Letter.Length + 2} characters, more than {Letter.Length}", Held(Screen(Letter + " !", options: options), "length"));
    }

    [Fact]
    public void More_links_than_allowed_are_held_with_the_count()
    {
        var result = Screen(Letter + " https://a.example/1 https://b.example/2 www.c.example/3 http://d.example/4");
        Assert.Equal("links: 4 links, more than 3", Held(result, "links"));
    }

    [Fact]
    public void Links_up_to_the_limit_pass() =>
        Approved(Screen(Letter + " https://a.example/1 https://b.example/2 https://c.example/3"));

    [Fact]
    public void The_same_site_linked_more_than_allowed_is_held_whatever_the_www()
    {
        var result = Screen(Letter + " https://www.unions.example/a http://unions.example/b www.unions.example/c");
        Assert.Equal("links: 3 links to unions.example, more than 2 to one site", Held(result, "links"));
        Approved(Screen(Letter + " https://www.unions.example/a http://unions.example/b https://other.example/c"));
    }

    [Theory]
    [InlineData("Donate here: https://bit.ly/3xYzAb", "bit.ly")]
    [InlineData("Donate here: bit.ly/3xYzAb", "bit.ly")]
    [InlineData("Donate here: https://www.TinyURL.com/abc", "tinyurl.com")]
    [InlineData("See t.co/abc and is.gd/xyz", "t.co, is.gd")]
    public void A_link_shortener_is_held(string text, string names) =>
        Assert.Equal($"links: a link shortener ({names}) hides where the link leads", Held(Screen(Letter + " " + text), "links"));

    [Theory]
    [InlineData("Read it at https://rabbit.ly/report")]
    [InlineData("Read it at https://www.microsoft.com/report")]
    [InlineData("Our habits: https://habit.ly/page")]
    public void Hosts_that_merely_resemble_a_shortener_pass(string text) => Approved(Screen(Letter + " " + text));

    [Fact]
    public void The_shortener_list_is_configurable()
    {
        Approved(Screen(Letter + " bit.ly/abc", options: new ModerationOptions { LinkShorteners = "" }));
        Held(Screen(Letter + " https://go.lnk.example/x", options: new ModerationOptions { LinkShorteners = "lnk.example" }), "links");
    }

    [Fact]
    public void The_same_body_again_is_held_as_a_duplicate_ignoring_case_spacing_and_punctuation()
    {
        var again = "  " + Letter.ToUpperInvariant().Replace(", ", " ,  ").Replace("!", ".") + "\n";
        var reason = Held(Screen(again, Known with { RecentBodies = ["Another letter entirely.", Letter] }), "duplicate");
        Assert.Equal("duplicate: the same text as an earlier message from this union within 24 hours", reason);
    }

    [Fact]
    public void A_body_that_differs_by_a_word_is_no_duplicate() =>
        Approved(Screen(Letter.Replace("strike", "struggle"), Known with { RecentBodies = [Letter] }));

    [Fact]
    public void More_messages_in_an_hour_than_allowed_are_held_and_the_last_allowed_one_passes()
    {
        Approved(Screen(Letter, Known with { SentLastHour = 4, SentLastDay = 4 }));
        Assert.Equal("rate: 6 messages from this union within an hour, more than 5",
            Held(Screen(Letter, Known with { SentLastHour = 5, SentLastDay = 5 }), "rate"));
    }

    [Fact]
    public void More_messages_in_a_day_than_allowed_are_held()
    {
        Approved(Screen(Letter, Known with { SentLastDay = 19 }));
        Assert.Equal("rate: 21 messages from this union within a day, more than 20", Held(Screen(Letter, Known with { SentLastDay = 20 }), "rate"));
    }

    [Fact]
    public void More_messages_to_one_recipient_in_a_day_than_allowed_are_held_naming_it()
    {
        Approved(Screen(Letter, Known with { Recipients = [new("CGT", 2, false), new("Sintracarbón", 0, false)] }));
        var result = Screen(Letter, Known with { Recipients = [new("CGT", 3, false), new("Sintracarbón", 0, false)] });
        Assert.Equal("rate: 4 messages from this union to CGT within a day, more than 3", Held(result, "rate"));
    }

    [Fact]
    public void A_blocked_phrase_is_held_as_a_whole_phrase_in_any_case_across_a_line_break()
    {
        var lists = Lists(("en", ["free bitcoin"]));
        Assert.Equal("blocklist: the en text contains \"FREE Bitcoin\"", Held(Screen(Letter + " Get FREE\nBitcoin now.", blocklist: lists), "blocklist"));
        Approved(Screen(Letter + " Get freebitcoin or free bitcoins now.", blocklist: lists));
    }

    [Fact]
    public void Word_boundaries_hold_for_scripts_other_than_latin()
    {
        var lists = Lists(("uk", ["гроші"]));
        const string ukrainian = "Дорогі товариші, ми з вами у вашому страйку. Швидкі ГРОШІ тут.";
        Assert.Contains("\"ГРОШІ\"", Held(Screen(ukrainian, blocklist: lists, language: "uk"), "blocklist"));
        Approved(Screen(ukrainian.Replace("ГРОШІ", "згрошіння"), blocklist: lists, language: "uk"));
    }

    [Fact]
    public void Each_text_is_screened_with_its_own_language_list_and_all_txt_with_every_one()
    {
        var lists = Lists(("es", ["bitcoin gratis"]), ("pt", ["dinheiro fácil"]), ("all", ["viagra"]));
        // The Spanish term in an English original is not the Spanish list's business.
        Approved(Screen(Letter + " Bitcoin gratis.", blocklist: lists));

        var spanish = new ScreenedText("es", "Solidaridad", "Queridos colegas, bitcoin gratis aquí.");
        Assert.Equal("blocklist: the es text contains \"bitcoin gratis\"", Held(Screen(Letter, blocklist: lists, translation: spanish), "blocklist"));

        var brazilian = new ScreenedText("pt-BR", "Solidariedade", "Queridos colegas, dinheiro fácil aqui.");
        Held(Screen(Letter, blocklist: lists, translation: brazilian), "blocklist");
        Assert.Contains("\"Viagra\"", Held(Screen(Letter + " Viagra.", blocklist: lists, language: "de"), "blocklist"));
    }

    [Fact]
    public void A_blocklist_that_rejects_rejects_the_senders_words_but_only_holds_a_translations()
    {
        var lists = Lists(("es", ["bitcoin gratis"]));
        var options = new ModerationOptions { Reject = "script,blocklist" };
        Assert.Equal(ScreeningDecision.Reject, Screen("Queridos colegas, bitcoin gratis aquí y ahora.", options: options, blocklist: lists, language: "es").Decision);
        var spanish = new ScreenedText("es", "Solidaridad", "Queridos colegas, bitcoin gratis aquí.");
        Held(Screen(Letter, options: options, blocklist: lists, translation: spanish), "blocklist");
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=\"alert(1)\">")]
    [InlineData("<a href=\"javascript:alert(1)\">click</a>")]
    public void Script_is_rejected(string markup)
    {
        var result = Screen(Letter + markup);

        Assert.Equal(ScreeningDecision.Reject, result.Decision);
        Assert.StartsWith("script: the en text", Assert.Single(result.Reasons));
    }

    [Fact]
    public void Script_that_appears_only_in_a_machine_translation_is_held_not_rejected()
    {
        var result = Screen(Letter, translation: new ScreenedText("es", "Solidaridad", "Hola <script>x</script>"));
        Assert.Equal("script: the es text contains script or active markup", Held(result, "script"));
    }

    [Fact]
    public void Plain_markup_is_held_as_markup() => Held(Screen(Letter + " <b>bold</b>"), "markup");

    [Fact]
    public void Angle_brackets_in_ordinary_prose_are_not_markup() =>
        Approved(Screen(Letter + " Profits > wages, and 3 < 5.", title: "Wages < costs"));

    [Theory]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("asdf asdf asdf asdf asdf asdf asdf asdf asdf")]
    [InlineData("lol lol lol lol lol lol lol lol lol lol lol")]
    public void Letters_that_repeat_as_no_language_does_are_gibberish(string body) =>
        Assert.Contains("bits a letter", Held(Screen(body), "gibberish"));

    [Fact]
    public void A_short_repeated_exclamation_is_too_short_to_judge_as_gibberish() =>
        Held(Screen("aaaaaaaaaaaaaaa"), "length");

    [Fact]
    public void An_absurdly_long_word_is_gibberish_but_a_long_link_or_a_long_german_word_is_not()
    {
        Assert.Equal("gibberish: a word of 55 letters, more than 50", Held(Screen(Letter + " Sol" + new string('i', 50) + "da"), "gibberish"));
        Approved(Screen(Letter + " https://unions.example/" + new string('x', 120)));
        Approved(Screen(Letter + " Donaudampfschifffahrtsgesellschaftskapitän.", language: "de"));
    }

    [Fact]
    public void Text_that_is_mostly_not_letters_is_gibberish()
    {
        var result = Screen("1234 5678 9012 3456 7890 1234 5678 !!!! ok");
        Assert.Equal("gibberish: only 6% of the characters are letters, fewer than 50%", Held(result, "gibberish"));
        Approved(Screen(Letter + " Wages rose from 1,200 to 1,350 pesos in 2023, 12.5% less than prices."));
    }

    [Theory]
    [InlineData("zh", "亲爱的同志们我们向罢工的矿工们致以最崇高的敬意和全力的支持团结就是力量我们与你们站在一起直到胜利亲爱的同志们我们向罢工的矿工们致以最崇高的敬意")]
    [InlineData("th", "เพื่อนร่วมงานที่รักเราขอแสดงความสามัคคีอย่างเต็มที่กับการนัดหยุดงานของพวกคุณเราอยู่เคียงข้างพวกคุณจนถึงชัยชนะ")]
    [InlineData("hi", "प्रिय साथियों, हम आपकी हड़ताल के साथ पूरी एकजुटता व्यक्त करते हैं। हम जीत तक आपके साथ खड़े हैं।")]
    [InlineData("uk", "Дорогі товариші, ми повністю солідарні з вашим страйком і стоїмо поруч із вами до перемоги.")]
    public void Letters_in_other_scripts_are_not_gibberish(string language, string body) =>
        Approved(Screen(body, language: language, title: "Solidarity"));

    [Fact]
    public void A_union_without_an_approved_message_is_held_until_as_many_as_configured_were_approved()
    {
        var one = new ModerationOptions { HoldFirstMessages = 1 };
        Assert.Equal("first-message: no message from this union has been approved yet; a coordinator reads its first",
            Held(Screen(Letter, Known with { ApprovedEarlier = 0 }, one), "first-message"));
        Approved(Screen(Letter, Known with { ApprovedEarlier = 1 }, one));
        // Off by default: coordinators add the unions.
        Approved(Screen(Letter, Known with { ApprovedEarlier = 0 }));

        var two = new ModerationOptions { HoldFirstMessages = 2 };
        Held(Screen(Letter, Known with { ApprovedEarlier = 1 }, two), "first-message");
        Approved(Screen(Letter, Known with { ApprovedEarlier = 2 }, two));
        Approved(Screen(Letter, Known with { ApprovedEarlier = 0 }, new ModerationOptions { HoldFirstMessages = 0 }));
    }

    [Fact]
    public void A_supporters_message_is_held_for_a_coordinator_unless_the_code_is_off()
    {
        var fromSupporter = Known with { FromSupporter = true };
        Assert.Equal("unverified-sender: a supporter wrote it, not a union of the directory: a coordinator reads it first",
            Held(Screen(Letter, fromSupporter), "unverified-sender"));
        Approved(Screen(Letter, fromSupporter, new ModerationOptions { Disabled = "unverified-sender" }));
        Approved(Screen(Letter, Known));
    }

    [Fact]
    public void A_recipient_that_asked_for_review_holds_what_is_sent_to_it()
    {
        var result = Screen(Letter, Known with { Recipients = [new("Sintracarbón", 0, false), new("CGT", 0, true)] });
        Assert.Equal("recipient-review: CGT asks that every message sent to it is reviewed first", Held(result, "recipient-review"));
        Approved(Screen(Letter, Known with { Recipients = [new("Sintracarbón", 0, false)] }));
    }

    [Fact]
    public void A_language_flag_from_the_translation_stage_holds_the_message_unless_its_code_is_off()
    {
        var flagged = Known with { LanguageFlags = ["language-mismatch: stated en, but the text reads as es (97%)"] };
        Assert.Equal("language-mismatch: stated en, but the text reads as es (97%)", Held(Screen(Letter, flagged), "language-mismatch"));
        Approved(Screen(Letter, flagged, new ModerationOptions { Disabled = "language-mismatch" }));
    }

    [Fact]
    public void Reject_wins_over_hold_and_every_objection_is_listed()
    {
        var result = Screen("<script>x</script>", Known with { ApprovedEarlier = 0 }, new ModerationOptions { HoldFirstMessages = 1 });

        Assert.Equal(ScreeningDecision.Reject, result.Decision);
        Assert.Equal(["length", "script", "first-message"], result.Reasons.Select(r => r[..r.IndexOf(':')]));
    }

    [Fact]
    public void A_code_switched_off_never_counts_and_any_code_can_reject()
    {
        Approved(Screen(Letter + " <script>x</script>", options: new ModerationOptions { Disabled = "script, markup" }));
        var rateRejects = new ModerationOptions { Reject = "Script,RATE" };
        Assert.Equal(ScreeningDecision.Reject, Screen(Letter, Known with { SentLastHour = 9, SentLastDay = 9 }, rateRejects).Decision);
        Assert.Equal(RuleAction.Hold, new ModerationOptions().ActionFor("duplicate"));
    }
}
