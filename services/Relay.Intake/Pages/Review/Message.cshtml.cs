using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Relay.Intake.Review;
using Relay.Storage;

namespace Relay.Intake.Pages.Review;

/// <summary>One message with its original and every translation side by side, and the acts a coordinator may take on it.</summary>
public class MessageModel(ReviewDesk desk, RelayDb db) : PageModel
{
    public SolidarityMessage Item { get; private set; } = null!;
    public IReadOnlyList<Storage.Translation> Translations { get; private set; } = [];
    public IReadOnlyList<AuditEntry> Audit { get; private set; } = [];
    [TempData] public string? Done { get; set; }
    public string? Error { get; private set; }

    [BindProperty] public List<TranslationEdit> Edits { get; set; } = [];
    [BindProperty] public string? Reason { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await ShowAsync(id, cancellationToken);

    public Task<IActionResult> OnPostApproveAsync(Guid id, CancellationToken cancellationToken) =>
        ActAsync(id, desk.ApproveAsync(id, Actor, Edits, cancellationToken), "Approved: it goes to the recipients now.", cancellationToken);

    public Task<IActionResult> OnPostCorrectAsync(Guid id, CancellationToken cancellationToken) =>
        ActAsync(id, desk.CorrectAsync(id, Actor, Edits, cancellationToken), "Corrections saved; the message is still held.", cancellationToken);

    public Task<IActionResult> OnPostRejectAsync(Guid id, CancellationToken cancellationToken) =>
        ActAsync(id, desk.RejectAsync(id, Actor, Reason, cancellationToken), "Rejected: the sender is told why.", cancellationToken);

    public Task<IActionResult> OnPostTakeDownAsync(Guid id, CancellationToken cancellationToken) =>
        ActAsync(id, desk.TakeDownAsync(id, Actor, Reason, cancellationToken), "Taken down from the public site.", cancellationToken);

    private string Actor => ReviewApi.Actor(User);

    /// <summary>Done: back to the page (a reload does not act twice). Refused: the page again, with why.</summary>
    private async Task<IActionResult> ActAsync(Guid id, Task<ReviewResult> act, string done, CancellationToken cancellationToken)
    {
        switch (await act)
        {
            case ReviewResult.NotFound:
                return NotFound();
            case ReviewResult.Refused refused:
                Error = $"{refused.Title} {refused.Detail}";
                Response.StatusCode = refused.Status;
                return await ShowAsync(id, cancellationToken);
            default:
                Done = done;
                return RedirectToPage(new { id });
        }
    }

    private async Task<IActionResult> ShowAsync(Guid id, CancellationToken cancellationToken)
    {
        var message = await desk.FindAsync(id, cancellationToken);
        if (message is null)
            return NotFound();
        Item = message;
        Translations = message.Translations.OrderBy(t => t.Language).ToList();
        Audit = await db.AuditLog.AsNoTracking().Where(a => a.MessageId == id).OrderBy(a => a.At).ToListAsync(cancellationToken);
        return Page();
    }
}
