using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Relay.Intake.Review;
using Relay.Storage;

namespace Relay.Intake.Pages.Review;

/// <summary>A message that came by email naming no recipient Relay knows: a coordinator picks the unions from the directory and sends it on.</summary>
public class RecipientsModel(ReviewDesk desk, RelayDb db) : PageModel
{
    public SolidarityMessage Item { get; private set; } = null!;
    public InboundMail? Mail { get; private set; }
    public IReadOnlyList<Union> Directory { get; private set; } = [];
    public string? Error { get; private set; }

    [BindProperty] public List<Guid> Chosen { get; set; } = [];

    public Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) => ShowAsync(id, cancellationToken);

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken cancellationToken)
    {
        switch (await desk.SendOnAsync(id, ReviewApi.Actor(User), Chosen, cancellationToken))
        {
            case ReviewResult.NotFound:
                return NotFound();
            case ReviewResult.Refused refused:
                Error = $"{refused.Title} {refused.Detail}";
                Response.StatusCode = refused.Status;
                return await ShowAsync(id, cancellationToken);
            default:
                return RedirectToPage("/Review/Message", new { id });
        }
    }

    private async Task<IActionResult> ShowAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await desk.FindAsync(id, cancellationToken) is not { } message)
            return NotFound();
        Item = message;
        Mail = await db.InboundMails.AsNoTracking().FirstOrDefaultAsync(m => m.MessageId == id, cancellationToken);
        Directory = await db.Unions.AsNoTracking().Where(u => u.SuppressedAt == null).OrderBy(u => u.Name).ToListAsync(cancellationToken);
        return Page();
    }
}
