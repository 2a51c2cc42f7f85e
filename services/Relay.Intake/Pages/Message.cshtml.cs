using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Relay.Intake.Public;

namespace Relay.Intake.Pages;

/// <summary>One published message in the reader's language, with its original and links to every other language.</summary>
public class MessageModel(PublishedMessages published, IOptions<IntakeOptions> options) : PageModel
{
    public string Language { get; private set; } = "en";
    public PublishedMessage Item { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        var message = await published.FindAsync(id, cancellationToken);
        if (message is null)
            return NotFound();
        Language = ReaderLanguage.Resolve(HttpContext, options.Value.DefaultLanguage);
        Item = PublishedMessage.In(message, Language);
        ViewData["Language"] = Language;
        ViewData["Languages"] = Item.Languages;
        return Page();
    }
}
