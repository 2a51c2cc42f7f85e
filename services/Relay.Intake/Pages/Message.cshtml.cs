using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Microsoft.EntityFrameworkCore;
using Relay.Intake.Public;
using Relay.Storage;

namespace Relay.Intake.Pages;

/// <summary>One published message in the reader's language, with its original and links to every other language.</summary>
public class MessageModel(PublishedMessages published, RelayDb db, IOptions<IntakeOptions> options) : PageModel
{
    public string Language { get; private set; } = "en";
    public PublishedMessage Item { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        var message = await published.FindAsync(id, cancellationToken);
        if (message is null)
            // A publication coordinators took down is gone, not unknown: links to it were public.
            return await db.Messages.AnyAsync(m => m.Id == id && m.TakenDownAt != null, cancellationToken) ? StatusCode(410) : NotFound();
        Language = ReaderLanguage.Resolve(HttpContext, options.Value.DefaultLanguage);
        var changed = message.Translations.Select(t => t.At).Append(message.UpdatedAt).Append(message.PublishedAt!.Value).Max();
        // The unions' names are shown too, and a coordinator can rename a union without touching its messages.
        if (ConditionalGet.IsNotModified(HttpContext, changed, Language, message.SenderName, string.Join('\n', message.Recipients.Select(r => r.Union!.Name))))
            return StatusCode(StatusCodes.Status304NotModified);
        Item = PublishedMessage.In(message, Language);
        ViewData["Language"] = Language;
        ViewData["Languages"] = Item.Languages;
        return Page();
    }
}
