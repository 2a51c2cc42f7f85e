using System.Net;
using System.ServiceModel.Syndication;
using System.Xml;
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
        Assert.Contains("Read more", spanish);
        Assert.Contains("<html lang=\"es\" dir=\"ltr\">", spanish);
        Assert.Contains("hreflang=\"en\"", spanish);
        Assert.DoesNotContain(hidden.Title, spanish);

        var english = await app.CreateClient().GetStringAsync("/?lang=en");
        Assert.Contains(message.Title, english);
    }

    [Fact]
    public async Task A_message_page_shows_the_translation_how_it_was_made_and_the_original()
    {
        var message = await PublishAsync("Letter to the miners of El Cerrejón", "Carta a los mineros de El Cerrejón");

        var page = await app.CreateClient().GetStringAsync($"/messages/{message.Id}?lang=es");

        Assert.Contains("<article lang=\"es\" dir=\"ltr\">", page);
        Assert.Contains("Carta a los mineros de El Cerrejón", page);
        Assert.Contains("Machine translation (apertium) from English", page);
        Assert.Contains("Original (English)", page);
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
}
