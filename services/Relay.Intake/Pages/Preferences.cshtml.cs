using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Relay.Intake.Preferences;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake.Pages;

/// <summary>
/// Where a recipient union, following the signed link in any of its emails, stops receiving
/// messages, receives them again or changes its languages, without an account. A POST to the page
/// itself is the RFC 8058 one-click opt-out that mail programs send (List-Unsubscribe=One-Click),
/// hence no antiforgery token: the signed token in the address is what authorises it.
/// </summary>
[IgnoreAntiforgeryToken]
public class PreferencesModel(RelayDb db, RecipientLinks links) : PageModel
{
    public Union Union { get; private set; } = null!;
    /// <summary>The page's words, in the union's preferred language.</summary>
    public PreferencesText Text { get; private set; } = PreferencesText.For("en");
    public string? Done { get; private set; }
    public string? Error { get; private set; }
    [BindProperty] public string? Languages { get; set; }

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken cancellationToken) =>
        await LoadAsync(token, cancellationToken) ? Page() : NotFound();

    /// <summary>Stop receiving messages (the button, or a mail program's one-click POST).</summary>
    public async Task<IActionResult> OnPostAsync(string token, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(token, cancellationToken))
            return NotFound();
        if (RecipientPreferences.OptOut(Union, DateTime.UtcNow) is { } suppressed)
        {
            db.Enqueue(suppressed);
            await db.SaveChangesAsync(cancellationToken);
        }
        Done = Text.Stopped;
        return Page();
    }

    public async Task<IActionResult> OnPostResumeAsync(string token, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(token, cancellationToken))
            return NotFound();
        RecipientPreferences.Resume(Union);
        await db.SaveChangesAsync(cancellationToken);
        Done = Text.Resumed;
        return Page();
    }

    public async Task<IActionResult> OnPostLanguagesAsync(string token, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(token, cancellationToken))
            return NotFound();
        var (languages, error) = RecipientPreferences.ParseLanguages(Languages);
        if (error is not null)
        {
            Error = error;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        Union.Languages = languages;
        await db.SaveChangesAsync(cancellationToken);
        Text = PreferencesText.For(Union.PreferredLanguage);
        ViewData["Language"] = Text.Code;
        ViewData["Title"] = Text.Title;
        Done = Text.LanguagesSaved(Text.NamesOf(languages));
        return Page();
    }

    private async Task<bool> LoadAsync(string token, CancellationToken cancellationToken)
    {
        if (!links.TryRead(token, out var unionId) || await db.Unions.FindAsync([unionId], cancellationToken) is not { } union)
            return false;
        Union = union;
        Text = PreferencesText.For(union.PreferredLanguage);
        ViewData["Language"] = Text.Code;
        ViewData["Title"] = Text.Title;
        Languages ??= string.Join(", ", union.Languages);
        return true;
    }
}
