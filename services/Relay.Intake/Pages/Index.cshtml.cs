using System.Globalization;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Relay.Intake.Public;

namespace Relay.Intake.Pages;

/// <summary>The public site's front page: published messages, newest first, in the reader's language, filtered by recipient union or country.</summary>
public class IndexModel(PublishedMessages published, IOptions<IntakeOptions> options) : PageModel
{
    public string Language { get; private set; } = "en";
    public IReadOnlyList<PublishedMessage> Messages { get; private set; } = [];
    public int PageNumber { get; private set; } = 1;
    public int PageCount { get; private set; } = 1;
    public int Total { get; private set; }
    public PublicFilter Filter { get; private set; } = PublicFilter.None;
    public IReadOnlyList<FilterChoice> Unions { get; private set; } = [];
    public IReadOnlyList<FilterChoice> Countries { get; private set; } = [];

    // "page" is also Razor Pages' own route value (the page's name): read the number from the query only.
    public async Task<IActionResult> OnGetAsync([FromQuery(Name = "page")] int? page, string? union, string? country, CancellationToken cancellationToken)
    {
        Language = ReaderLanguage.Resolve(HttpContext, options.Value.DefaultLanguage);
        PageNumber = Math.Max(1, page ?? 1);
        // A filter value that cannot match (a malformed id or country code) is ignored rather than refused: the form is the only writer.
        Filter = new PublicFilter(
            Guid.TryParse(union, out var unionId) ? unionId : null,
            country is { Length: 2 } && country.All(char.IsAsciiLetter) ? country.ToUpperInvariant() : null);

        var (at, count) = await published.VersionAsync(cancellationToken);
        if (ConditionalGet.IsNotModified(HttpContext, at, count, Language, PageNumber, Filter.Union, Filter.Country))
            return StatusCode(StatusCodes.Status304NotModified);

        var (items, total) = await published.NewestAsync(PageNumber, Filter, cancellationToken);
        Total = total;
        PageCount = Math.Max(1, (total + options.Value.PageSize - 1) / options.Value.PageSize);
        Messages = items.Select(m => PublishedMessage.In(m, Language)).ToList();
        Unions = await published.RecipientUnionsAsync(cancellationToken);
        Countries = (await published.CountriesAsync(cancellationToken)).Select(c => new FilterChoice(c, CountryName(c))).ToList();
        ViewData["Language"] = Language;
        ViewData["Languages"] = await published.LanguagesAsync(cancellationToken);
        return Page();
    }

    /// <summary>This index's address for another page (or another language), keeping the filters.</summary>
    public string PageUrl(int page, string? language = null)
    {
        var query = new QueryBuilder { { "lang", language ?? Language } };
        if (Filter.Union is { } union)
            query.Add("union", union.ToString());
        if (Filter.Country is { } country)
            query.Add("country", country);
        if (page > 1)
            query.Add("page", page.ToString(CultureInfo.InvariantCulture));
        return "/" + query.ToQueryString();
    }

    /// <summary>The feed that matches what the page shows: the language's, or one recipient union's.</summary>
    public string FeedUrl => Filter.Union is { } union ? $"/feed.atom?lang={Language}&union={union}" : $"/feed.atom?lang={Language}";

    public string? UnionName => Filter.Union is { } union ? Unions.FirstOrDefault(u => u.Value == union.ToString())?.Name : null;

    private static string CountryName(string code)
    {
        try { return new RegionInfo(code).EnglishName; }
        catch (ArgumentException) { return code; }
    }
}
