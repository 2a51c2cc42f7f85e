using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Relay.Intake.Public;

namespace Relay.Intake.Pages;

/// <summary>
/// The public takedown log: what coordinators removed from the site, when, whose it was and why.
/// Never the title or the text: the log must not republish what was taken down.
/// </summary>
public class TakedownsModel(PublishedMessages published, IOptions<IntakeOptions> options) : PageModel
{
    public IReadOnlyList<TakedownEntry> Entries { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var language = ReaderLanguage.Resolve(HttpContext, options.Value.DefaultLanguage);
        var (at, count) = await published.VersionAsync(cancellationToken);
        if (ConditionalGet.IsNotModified(HttpContext, at, count, language))
            return StatusCode(StatusCodes.Status304NotModified);
        Entries = await published.TakedownsAsync(500, cancellationToken);
        ViewData["Language"] = language;
        ViewData["Languages"] = await published.LanguagesAsync(cancellationToken);
        return Page();
    }
}
