using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake.Pages;

/// <summary>
/// The page a confirmation link opens: what the message is and to whom, and a button that confirms
/// it. Opening the link changes nothing (mail scanners open links); only the button does. Afterwards
/// the same link shows how the message is getting on.
/// </summary>
public class ConfirmModel(RelayDb db, ConfirmationLinks links, MessageConfirmation confirmation, IOptions<Relay.ServiceDefaults.LinkOptions> options) : PageModel
{
    public SolidarityMessage? Message { get; private set; }
    public ConfirmationOutcome? Outcome { get; private set; }
    public DateTime ConfirmBy => Message!.ReceivedAt + options.Value.ConfirmationWindow;

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken cancellationToken) =>
        await LoadAsync(token, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(string token, CancellationToken cancellationToken)
    {
        if (!links.TryRead(token, out var id))
            return NotFound();
        Outcome = await confirmation.ConfirmAsync(id, cancellationToken);
        return await LoadAsync(token, cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(string token, CancellationToken cancellationToken)
    {
        if (!links.TryRead(token, out var id))
            return false;
        Message = await db.Messages.AsNoTracking().Include(m => m.Sender).Include(m => m.Supporter)
            .Include(m => m.Recipients).ThenInclude(r => r.Union)
            .Include(m => m.Deliveries)
            .AsSplitQuery()
            .FirstOrDefaultAsync(m => m.Id == id, cancellationToken);
        return Message is not null;
    }

    public bool Expired => Message!.Status == MessageStatus.AwaitingConfirmation && DateTime.UtcNow > ConfirmBy;

    /// <summary>Where the message stands, in words for its sender.</summary>
    public string Progress => Message!.Status switch
    {
        MessageStatus.AwaitingConfirmation => "Waiting for you to confirm it.",
        MessageStatus.Received or MessageStatus.Translated => "Confirmed; being translated.",
        MessageStatus.AwaitingTranslation => "Confirmed; waiting for a translator for one of the languages.",
        MessageStatus.Held => "Confirmed and translated; a coordinator is reading it before it is sent.",
        MessageStatus.Approved => "Approved; being sent.",
        MessageStatus.Delivered => $"Sent: {Message.Deliveries.Count(d => d.Status == DeliveryStatus.Sent)} of {Message.Deliveries.Count} unions received it.",
        MessageStatus.Failed => "It could not be delivered to any of the unions.",
        MessageStatus.Rejected => "A coordinator decided not to send it; we emailed you why.",
        _ => Message.Status,
    };
}
