using System.Net;
using System.Net.Http.Json;
using System.ServiceModel.Syndication;
using System.Text.RegularExpressions;
using System.Xml;
using Microsoft.EntityFrameworkCore;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

public class PublicSiteTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    private async Task<SolidarityMessage> PublishAsync(string title, string spanishTitle, bool published = true)
    {
        await using var db = app.OpenDb();
        var sender = await db.AddUnionAsync("International Miners' Coordination", "en");
        var recipient = await db.AddUnionAsync("Sintracarbón", "es");
        var message = await db.AddMessageAsync(sender, [recipient], MessageStatus.Delivered, publish: true,
            letter: new SeedLetter(title, Seeds.Cerrejon.Body));
        await db.AddTranslationAsync(message, "es", spanishTitle, "Queridos colegas, toda nuestra solidaridad.\n\nSeguimos juntos.");
        if (published)
        {
            message.PublishedAt = DateTime.UtcNow;
            message.PublicationUrl = $"http://localhost/messages/{message.Id}";
            await db.SaveChangesAsync();
        }
        return message;
    }

    [Fact]
    public async Task The_index_lists_published_messages_in_the_readers_language_with_read_more()
    {
        var message = await PublishAsync("Letter of solidarity " + Guid.NewGuid().ToString("N")[..6], "Carta de solidaridad al sindicato");
        var hidden = await PublishAsync("Not yet published " + Guid.NewGuid().ToString("N")[..6], "Todavía no", published: false);

        var spanish = await app.CreateClient().GetStringAsync("/?lang=es");
        Assert.Contains("Carta de solidaridad al sindicato", spanish);
        Assert.Contains($"href=\"/messages/{message.Id}?lang=es\"", spanish);
        Assert.Contains(">Leer más</a>", spanish); // the site's own words in Spanish too
        Assert.Contains("<nav aria-label=\"Elegir idioma\" lang=\"es\" dir=\"ltr\">", spanish);
        Assert.Contains("<html lang=\"es\" dir=\"ltr\">", spanish);
        Assert.Contains("hreflang=\"en\"", spanish);
        Assert.DoesNotContain(hidden.Title, spanish);

        var english = await app.CreateClient().GetStringAsync("/?lang=en");
        Assert.Contains(message.Title, english);
        Assert.Contains(">Read more</a>", english);
        // A language Relay has no words for gets the English ones, marked English.
        var german = await app.CreateClient().GetStringAsync("/?lang=de");
        Assert.Contains("<nav aria-label=\"Select language\" lang=\"en\" dir=\"ltr\">", german);
    }

    [Fact]
    public async Task A_message_page_shows_the_translation_how_it_was_made_and_the_original()
    {
        var message = await PublishAsync("Letter to the miners of El Cerrejón", "Carta a los mineros de El Cerrejón");

        var page = await app.CreateClient().GetStringAsync($"/messages/{message.Id}?lang=es");

        Assert.Contains("<article lang=\"es\" dir=\"ltr\" aria-labelledby=\"message-title\">", page);
        Assert.Contains("Carta a los mineros de El Cerrejón", page);
        Assert.Contains("Traducción automática (apertium) desde English.", page);
        Assert.Contains("Original (English)", page);
        Assert.Contains("Original text, written in English.", await app.CreateClient().GetStringAsync($"/messages/{message.Id}?lang=en"));
        Assert.Contains("Letter to the miners of El Cerrejón", page);
        Assert.Contains($"<link rel=\"alternate\" hreflang=\"es\" href=\"/messages/{message.Id}?lang=es\">", page);
    }

    [Fact]
    public async Task Markup_in_a_message_is_escaped_on_every_page()
    {
        var message = await PublishAsync("<script>alert('title')</script>", "<img src=x onerror=alert(1)>");

        foreach (var path in new[] { "/?lang=en", "/?lang=es", $"/messages/{message.Id}?lang=es", $"/messages/{message.Id}?lang=en" })
        {
            var page = await app.CreateClient().GetStringAsync(path);
            Assert.DoesNotContain("<script>alert", page);
            Assert.DoesNotContain("<img src=x", page);
        }
    }

    [Fact]
    public async Task Unpublished_or_unknown_messages_are_not_found()
    {
        var hidden = await PublishAsync("Hidden", "Oculto", published: false);
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateClient().GetAsync($"/messages/{hidden.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateClient().GetAsync($"/messages/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task The_atom_feed_per_language_is_valid_atom_with_the_translated_titles()
    {
        var message = await PublishAsync("Feed letter", "Carta del canal " + Guid.NewGuid().ToString("N")[..6]);

        var response = await app.CreateClient().GetAsync("/feed.atom?lang=es");
        Assert.Equal("application/atom+xml", response.Content.Headers.ContentType?.MediaType);
        using var reader = XmlReader.Create(await response.Content.ReadAsStreamAsync());
        var feed = SyndicationFeed.Load(reader);

        Assert.Equal("es", feed.Language);
        var item = Assert.Single(feed.Items, i => i.Id == $"urn:uuid:{message.Id}");
        Assert.StartsWith("Carta del canal", item.Title.Text);
        Assert.Contains(item.Links, l => l.Uri.ToString().EndsWith($"/messages/{message.Id}?lang=es", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_feed_for_a_malformed_language_is_a_clear_400() =>
        Assert.Equal(HttpStatusCode.BadRequest, (await app.CreateClient().GetAsync("/feed.atom?lang=<x>")).StatusCode);

    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>Parses an Atom response with the framework's own Atom 1.0 reader: it throws on anything that is not a valid Atom feed.</summary>
    private static async Task<SyndicationFeed> ReadAtomAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/atom+xml", response.Content.Headers.ContentType?.MediaType);
        using var reader = XmlReader.Create(await response.Content.ReadAsStreamAsync());
        var formatter = new Atom10FeedFormatter();
        Assert.True(formatter.CanRead(reader), "not an Atom 1.0 feed");
        formatter.ReadFrom(reader);
        return formatter.Feed;
    }

    /// <summary>A recipient union of its own (in a country no other test uses) with <paramref name="count"/> published messages, one minute apart.</summary>
    private async Task<(Union Recipient, List<SolidarityMessage> Messages)> PublishManyAsync(string tag, int count, string country)
    {
        await using var db = app.OpenDb();
        var sender = await db.AddUnionAsync($"Dockers {tag}", "en");
        var recipient = await db.AddUnionAsync($"Recipient {tag}", "es");
        recipient.Country = country;
        var messages = new List<SolidarityMessage>();
        var start = DateTime.UtcNow.AddHours(-1);
        for (var i = 0; i < count; i++)
        {
            var message = await db.AddMessageAsync(sender, [recipient], MessageStatus.Delivered, publish: true,
                letter: new SeedLetter($"Letter {tag} number {i:00}", "Dear colleagues, we stand with you."));
            message.PublishedAt = start.AddMinutes(i);
            messages.Add(message);
        }
        await db.SaveChangesAsync();
        return (recipient, messages);
    }

    [Fact]
    public async Task The_index_filters_by_recipient_union_and_by_country_and_pages_newest_first_keeping_the_filter()
    {
        var tag = Tag();
        var (recipient, messages) = await PublishManyAsync(tag, 23, "IS");
        var other = await PublishAsync($"Elsewhere {tag}", $"En otra parte {tag}");
        var client = app.CreateClient();

        var first = await client.GetStringAsync($"/?lang=en&union={recipient.Id}");
        Assert.Contains($"<option value=\"{recipient.Id}\" lang=\"und\" selected=\"selected\">Recipient {tag}</option>", first);
        Assert.DoesNotContain(other.Title, first);
        var titles = Regex.Matches(first, $"Letter {tag} number (\\d\\d)</a>").Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(Enumerable.Range(3, 20).Reverse(), titles); // newest first, 20 to a page
        Assert.Contains("Page 1 of 2", first);
        Assert.Contains($"href=\"/?lang=en&amp;union={recipient.Id}&amp;page=2\" rel=\"next\"", first);
        Assert.Contains($"<link rel=\"alternate\" type=\"application/atom+xml\" href=\"/feed.atom?lang=en&amp;union={recipient.Id}\"", first);

        var second = await client.GetStringAsync($"/?lang=en&union={recipient.Id}&page=2");
        Assert.Equal([2, 1, 0], Regex.Matches(second, $"Letter {tag} number (\\d\\d)</a>").Select(m => int.Parse(m.Groups[1].Value)));
        Assert.Contains($"href=\"/?lang=en&amp;union={recipient.Id}\" rel=\"prev\"", second);
        // The language menu keeps the filter and the page.
        Assert.Contains($"href=\"/?lang=es&amp;union={recipient.Id}&amp;page=2\"", second);

        var byCountry = await client.GetStringAsync("/?lang=en&country=is");
        Assert.Contains("<option value=\"IS\" selected=\"selected\">Iceland</option>", byCountry);
        Assert.Contains($"Letter {tag} number 22", byCountry);
        Assert.DoesNotContain(other.Title, byCountry);
        Assert.Contains("23 messages match", byCountry);

        // Without filters both appear; a malformed filter is ignored rather than an error.
        var all = await client.GetStringAsync("/?lang=en&union=not-a-union&country=<x>");
        Assert.Contains(other.Title, all);
    }

    [Fact]
    public async Task Pages_and_feeds_answer_a_conditional_get_with_304_until_something_changes()
    {
        var message = await PublishAsync($"Conditional {Tag()}", "Condicional");
        var client = app.CreateClient();

        foreach (var path in new[] { "/?lang=en", $"/messages/{message.Id}?lang=es", "/feed.atom?lang=es", "/takedowns" })
        {
            var first = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var etag = first.Headers.ETag;
            var modified = first.Content.Headers.LastModified;
            Assert.NotNull(etag);
            Assert.NotNull(modified);
            Assert.True(first.Headers.CacheControl is { Public: true, MaxAge: not null }, path);
            Assert.Contains("Accept-Language", first.Headers.Vary);

            using var byTag = new HttpRequestMessage(HttpMethod.Get, path);
            byTag.Headers.IfNoneMatch.Add(etag);
            var notModified = await client.SendAsync(byTag);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Equal(etag, notModified.Headers.ETag);
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

            using var byDate = new HttpRequestMessage(HttpMethod.Get, path);
            byDate.Headers.IfModifiedSince = modified;
            Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(byDate)).StatusCode);

            using var stale = new HttpRequestMessage(HttpMethod.Get, path);
            stale.Headers.IfNoneMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"stale\""));
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(stale)).StatusCode);
        }

        // Another language is another representation; a new publication is a new version of the index.
        var english = (await client.GetAsync("/?lang=en")).Headers.ETag!;
        Assert.NotEqual(english, (await client.GetAsync("/?lang=es")).Headers.ETag);
        await PublishAsync($"Newer {Tag()}", "Más nueva");
        using var again = new HttpRequestMessage(HttpMethod.Get, "/?lang=en");
        again.Headers.IfNoneMatch.Add(english);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(again)).StatusCode);

        // A coordinator's correction changes the message page.
        var page = (await client.GetAsync($"/messages/{message.Id}?lang=es")).Headers.ETag!;
        await using (var db = app.OpenDb())
        {
            var es = await db.Translations.SingleAsync(t => t.MessageId == message.Id && t.Language == "es");
            (es.Title, es.Origin, es.Provider, es.At) = ("Condicional, corregido", TranslationOrigin.Human, "Ana", DateTime.UtcNow.AddSeconds(1));
            await db.SaveChangesAsync();
        }
        using var corrected = new HttpRequestMessage(HttpMethod.Get, $"/messages/{message.Id}?lang=es");
        corrected.Headers.IfNoneMatch.Add(page);
        var answer = await client.SendAsync(corrected);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("Traducido por una persona voluntaria", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Hostile_titles_bodies_union_names_and_reasons_are_escaped_on_every_page_and_feed()
    {
        const string script = "<script>alert(1)</script>";
        const string image = "<img src=x onerror=alert(2)>";
        const string quote = "\"><svg onload=alert(3)>";
        SolidarityMessage message, takenDown;
        Union recipient;
        await using (var db = app.OpenDb())
        {
            var sender = await db.AddUnionAsync($"Union {quote} {script}", "en");
            recipient = await db.AddUnionAsync($"Recipient {image}", "es");
            message = await db.AddMessageAsync(sender, [recipient], MessageStatus.Delivered, publish: true,
                letter: new SeedLetter($"Title {script} {quote}", $"Body {image}\n\nMore {script} &amp; \u0001 control"));
            message.Author = $"Author {quote}";
            await db.AddTranslationAsync(message, "es", $"Título {image}", $"Cuerpo {script}");
            takenDown = await db.AddMessageAsync(sender, [recipient], MessageStatus.Delivered, publish: true,
                letter: new SeedLetter($"Removed {Tag()}", "Removed body"));
            message.PublishedAt = takenDown.PublishedAt = DateTime.UtcNow;
            (takenDown.TakenDownAt, takenDown.TakedownReason) = (DateTime.UtcNow, $"Reason {script} {quote}");
            await db.SaveChangesAsync();
        }
        var client = app.CreateClient();

        foreach (var path in new[] { "/?lang=en", "/?lang=es", $"/?lang=en&union={recipient.Id}", $"/messages/{message.Id}?lang=es", $"/messages/{message.Id}?lang=en", "/takedowns" })
        {
            var page = await client.GetStringAsync(path);
            foreach (var hostile in new[] { "<script>alert", "<img src=x", "<svg onload", "\"><svg" })
                Assert.False(page.Contains(hostile, StringComparison.OrdinalIgnoreCase), $"{path} carries {hostile}");
        }
        Assert.Contains("Title &lt;script&gt;alert(1)&lt;/script&gt;", await client.GetStringAsync($"/messages/{message.Id}?lang=en"));

        // The feeds carry the same text as text: a feed reader shows it, never runs it.
        foreach (var path in new[] { "/feed.atom?lang=en", "/feed.atom?lang=es", $"/feed.atom?lang=es&union={recipient.Id}" })
        {
            var raw = await client.GetStringAsync(path);
            Assert.DoesNotContain("<script>", raw);
            Assert.DoesNotContain("<img", raw);
            var feed = await ReadAtomAsync(await client.GetAsync(path));
            var item = Assert.Single(feed.Items, i => i.Id == $"urn:uuid:{message.Id}");
            Assert.Equal(path.Contains("=en") ? $"Title {script} {quote}" : $"Título {image}", item.Title.Text);
            Assert.Equal("text", item.Title.Type);
        }
    }

    [Fact]
    public async Task A_feed_per_recipient_union_holds_only_the_messages_to_it_and_an_unknown_union_is_404()
    {
        var tag = Tag();
        var (recipient, messages) = await PublishManyAsync(tag, 3, "NZ");
        var other = await PublishAsync($"Not to them {tag}", $"No para ellos {tag}");
        var client = app.CreateClient();

        var feed = await ReadAtomAsync(await client.GetAsync($"/feed.atom?lang=en&union={recipient.Id}"));
        Assert.Equal("en", feed.Language);
        Assert.Contains($"Recipient {tag}", feed.Title.Text);
        Assert.Equal(messages.AsEnumerable().Reverse().Select(m => $"urn:uuid:{m.Id}"), feed.Items.Select(i => i.Id));
        Assert.All(feed.Items, i => Assert.NotEmpty(i.Authors));
        Assert.Contains(feed.Links, l => l.RelationshipType == "self" && l.Uri.ToString().EndsWith($"/feed.atom?lang=en&union={recipient.Id}", StringComparison.Ordinal));

        var overall = await ReadAtomAsync(await client.GetAsync("/feed.atom?lang=en"));
        Assert.Contains(overall.Items, i => i.Id == $"urn:uuid:{other.Id}");

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/feed.atom?lang=en&union={Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task A_message_taken_down_leaves_the_pages_and_feeds_and_the_takedown_log_says_when_whose_and_why()
    {
        var tag = Tag();
        var message = await PublishAsync($"To be taken down {tag}", $"Para retirar {tag}");
        var client = app.CreateClient();
        Assert.Contains(message.Title, await client.GetStringAsync("/?lang=en"));

        var coordinator = app.ClientWithKey(app.CoordinatorKey);
        var reason = $"Names a worker who asked not to be named ({tag})";
        (await coordinator.PostAsJsonAsync($"/api/messages/{message.Id}/takedown", new { reason })).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.Gone, (await client.GetAsync($"/messages/{message.Id}?lang=en")).StatusCode);
        Assert.DoesNotContain(message.Title, await client.GetStringAsync("/?lang=en"));
        Assert.DoesNotContain($"Para retirar {tag}", await client.GetStringAsync("/?lang=es"));
        Assert.DoesNotContain((await ReadAtomAsync(await client.GetAsync("/feed.atom?lang=es"))).Items, i => i.Id == $"urn:uuid:{message.Id}");

        var log = await client.GetStringAsync("/takedowns");
        var row = Regex.Match(log, $"<tr>(?:(?!</tr>).)*{Regex.Escape(tag)}(?:(?!</tr>).)*</tr>", RegexOptions.Singleline).Value;
        Assert.Contains(DateTime.UtcNow.ToString("yyyy-MM-dd"), row);
        Assert.Contains("International Miners&#x27; Coordination", row);
        Assert.Contains(reason, row);
        Assert.DoesNotContain(message.Title, log);
        Assert.DoesNotContain("Para retirar", log);
        Assert.DoesNotContain(Seeds.Cerrejon.Body[..40], log);
    }

    [Fact]
    public async Task A_pivoted_machine_translation_says_which_language_it_went_through()
    {
        var message = await PublishAsync($"Pivot {Tag()}", "Pivote");
        await using (var db = app.OpenDb())
        {
            db.Translations.Add(new Relay.Storage.Translation { MessageId = message.Id, Language = "pt", Title = "Carta", Body = "Queridos colegas.", Origin = TranslationOrigin.Machine, Provider = "apertium", Path = "en>es>pt", At = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        var page = await app.CreateClient().GetStringAsync($"/messages/{message.Id}?lang=pt");
        Assert.True(Regex.Replace(page, @"\s+", " ").Contains("Tradução automática (apertium) a partir de English, passando por Español."), page);
        Assert.Contains($"<a href=\"/messages/{message.Id}?lang=es\" hreflang=\"es\" lang=\"es\" dir=\"ltr\">Español</a>", page);
    }

    [Fact]
    public async Task A_right_to_left_translation_is_marked_rtl_while_the_original_and_the_site_chrome_stay_ltr()
    {
        var message = await PublishAsync($"Right to left {Tag()}", "De derecha a izquierda");
        await using (var db = app.OpenDb())
            await db.AddTranslationAsync(message, "ar", "رسالة تضامن", "أيها الزملاء الأعزاء، كل تضامننا.");

        var page = await app.CreateClient().GetStringAsync($"/messages/{message.Id}?lang=ar");

        Assert.Contains("<html lang=\"ar\" dir=\"rtl\">", page);
        Assert.Contains("<article lang=\"ar\" dir=\"rtl\" aria-labelledby=\"message-title\">", page);
        Assert.Contains("<div lang=\"en\" dir=\"ltr\">", page); // the original
        Assert.Contains("<nav aria-label=\"Select language\" lang=\"en\" dir=\"ltr\">", page);
        Assert.Contains($"<link rel=\"alternate\" hreflang=\"ar\" href=\"/messages/{message.Id}?lang=ar\">", page);

        var index = await app.CreateClient().GetStringAsync("/?lang=ar");
        Assert.Contains("<link rel=\"alternate\" hreflang=\"es\" href=\"/?lang=es\">", index);
        Assert.Contains("<h1 lang=\"en\" dir=\"ltr\">", index);
    }
}
