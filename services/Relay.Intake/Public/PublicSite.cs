using System.ServiceModel.Syndication;
using System.Text;
using System.Xml;
using Microsoft.Extensions.Options;
using Microsoft.EntityFrameworkCore;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake.Public;

public static class PublicSite
{
    public static void MapPublicSite(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapGet("/feed.atom", FeedAsync);
    }

    /// <summary>
    /// An Atom 1.0 feed of the published messages readable in one language (?lang=, default the site's),
    /// all of them or only those sent to one recipient union (?union=).
    /// </summary>
    private static async Task<IResult> FeedAsync(HttpContext context, PublishedMessages published, RelayDb db, IOptions<IntakeOptions> options, CancellationToken cancellationToken)
    {
        var requested = context.Request.Query["lang"].ToString();
        if (requested.Length > 0 && !LanguageTags.IsValid(requested))
            return TypedResults.Problem(statusCode: 400, title: "Unknown language.", detail: $"'{requested}' is not a BCP-47 language code.");
        var language = requested.Length > 0 ? LanguageTags.Normalize(requested) : options.Value.DefaultLanguage;
        var unionParameter = context.Request.Query["union"].ToString();
        Union? union = null;
        if (unionParameter.Length > 0)
        {
            union = Guid.TryParse(unionParameter, out var unionId) ? await db.Unions.AsNoTracking().FirstOrDefaultAsync(u => u.Id == unionId, cancellationToken) : null;
            if (union is null)
                return TypedResults.Problem(statusCode: 404, title: "Unknown union.", detail: $"No union in the directory has the id '{unionParameter}'.");
        }

        var (at, count) = await published.VersionAsync(cancellationToken);
        if (ConditionalGet.IsNotModified(context, at, count, language, union?.Id, union?.Name))
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);

        var baseUrl = $"{context.Request.Scheme}://{context.Request.Host}";
        var query = union is null ? $"lang={language}" : $"lang={language}&union={union.Id}";
        var messages = await published.InLanguageAsync(language, 50, new PublicFilter(union?.Id), cancellationToken);
        var title = union is null ? $"Relay — {LanguageTags.NativeName(language)}" : $"Relay — {union.Name} — {LanguageTags.NativeName(language)}";

        var feed = new SyndicationFeed(XmlText(title), "Messages of solidarity between unions",
            new Uri($"{baseUrl}/?{query}"), $"{baseUrl}/feed.atom?{query}", new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)))
        {
            Language = language,
            Items = messages.Select(m =>
            {
                var view = PublishedMessage.In(m, language);
                var url = new Uri($"{baseUrl}/messages/{m.Id}?lang={language}");
                var updated = m.Translations.Select(t => t.At).Append(m.UpdatedAt).Append(m.PublishedAt!.Value).Max();
                var item = new SyndicationItem(XmlText(view.Text.Title), XmlText(view.Text.Excerpt), url, $"urn:uuid:{m.Id}", new DateTimeOffset(DateTime.SpecifyKind(updated, DateTimeKind.Utc)))
                {
                    PublishDate = new DateTimeOffset(DateTime.SpecifyKind(m.PublishedAt!.Value, DateTimeKind.Utc)),
                };
                item.Authors.Add(new SyndicationPerson { Name = XmlText(m.Author is { Length: > 0 } a ? $"{a}, {m.SenderName}" : m.SenderName) });
                return item;
            }).ToList(),
        };
        feed.Links.Add(SyndicationLink.CreateSelfLink(new Uri($"{baseUrl}/feed.atom?{query}"), "application/atom+xml"));

        var xml = new StringBuilder();
        await using (var writer = XmlWriter.Create(xml, new XmlWriterSettings { Async = true, Encoding = Encoding.UTF8, Indent = true }))
            new Atom10FeedFormatter(feed).WriteTo(writer);
        return TypedResults.Text(xml.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\""), "application/atom+xml; charset=utf-8");
    }

    /// <summary>Drops the control characters XML cannot carry, which a sender (or a provider) may have put in a text; the writer would refuse the whole feed.</summary>
    private static string XmlText(string text) =>
        text.All(c => XmlConvert.IsXmlChar(c) || char.IsSurrogate(c)) ? text : new string(text.Where(c => XmlConvert.IsXmlChar(c) || char.IsSurrogate(c)).ToArray());
}
