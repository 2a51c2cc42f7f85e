using System.ServiceModel.Syndication;
using System.Text;
using System.Xml;
using Microsoft.Extensions.Options;
using Relay.ServiceDefaults;

namespace Relay.Intake.Public;

public static class PublicSite
{
    public static void MapPublicSite(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapGet("/feed.atom", FeedAsync);
    }

    /// <summary>An Atom 1.0 feed of the published messages readable in one language (?lang=, default the site's).</summary>
    private static async Task<IResult> FeedAsync(HttpContext context, PublishedMessages published, IOptions<IntakeOptions> options, CancellationToken cancellationToken)
    {
        var requested = context.Request.Query["lang"].ToString();
        if (requested.Length > 0 && !LanguageTags.IsValid(requested))
            return TypedResults.Problem(statusCode: 400, title: "Unknown language.", detail: $"'{requested}' is not a BCP-47 language code.");
        var language = requested.Length > 0 ? LanguageTags.Normalize(requested) : options.Value.DefaultLanguage;
        var baseUrl = $"{context.Request.Scheme}://{context.Request.Host}";
        var messages = await published.InLanguageAsync(language, 50, cancellationToken);

        var feed = new SyndicationFeed($"Relay — {LanguageTags.NativeName(language)}", "Messages of solidarity between unions",
            new Uri($"{baseUrl}/?lang={language}"), $"{baseUrl}/feed.atom?lang={language}",
            messages.Count > 0 ? messages[0].PublishedAt!.Value : DateTime.UnixEpoch)
        {
            Language = language,
            Items = messages.Select(m =>
            {
                var view = PublishedMessage.In(m, language);
                var url = new Uri($"{baseUrl}/messages/{m.Id}?lang={language}");
                var item = new SyndicationItem(view.Text.Title, view.Text.Excerpt, url, $"urn:uuid:{m.Id}", m.PublishedAt!.Value)
                {
                    PublishDate = m.PublishedAt!.Value,
                };
                item.Authors.Add(new SyndicationPerson { Name = m.Author is { Length: > 0 } a ? $"{a}, {m.Sender!.Name}" : m.Sender!.Name });
                return item;
            }).ToList(),
        };
        feed.Links.Add(SyndicationLink.CreateSelfLink(new Uri($"{baseUrl}/feed.atom?lang={language}"), "application/atom+xml"));

        var xml = new StringBuilder();
        await using (var writer = XmlWriter.Create(xml, new XmlWriterSettings { Async = true, Encoding = Encoding.UTF8, Indent = true }))
            new Atom10FeedFormatter(feed).WriteTo(writer);
        return TypedResults.Text(xml.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\""), "application/atom+xml; charset=utf-8");
    }
}
