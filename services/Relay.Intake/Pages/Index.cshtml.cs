using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Relay.Intake.Public;

namespace Relay.Intake.Pages;

/// <summary>The public site's front page: published messages, newest first, in the reader's language.</summary>
public class IndexModel(PublishedMessages published, IOptions<IntakeOptions> options) : PageModel
{
    public string Language { get; private set; } = "en";
    public IReadOnlyList<PublishedMessage> Messages { get; private set; } = [];
    public int PageNumber { get; private set; } = 1;
    public int PageCount { get; private set; } = 1;

    public async Task OnGetAsync(int? page, CancellationToken cancellationToken)
    {
        Language = ReaderLanguage.Resolve(HttpContext, options.Value.DefaultLanguage);
        PageNumber = Math.Max(1, page ?? 1);
        var (items, total) = await published.NewestAsync(PageNumber, cancellationToken);
        PageCount = Math.Max(1, (total + options.Value.PageSize - 1) / options.Value.PageSize);
        Messages = items.Select(m => PublishedMessage.In(m, Language)).ToList();
        ViewData["Language"] = Language;
        ViewData["Languages"] = await published.LanguagesAsync(cancellationToken);
    }
}
