using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Relay.Intake.Auth;
using Relay.Storage;

namespace Relay.Intake.Pages.Write;

/// <summary>A union's own message as it goes: what GET /api/messages/{id} answers, as a page; another union's is not found.</summary>
public class MessageModel(RelayDb db) : PageModel
{
    public MessageStatusView View { get; private set; } = null!;

    /// <summary>Nothing more will happen to it: the page stops reloading itself.</summary>
    public bool Final => View.Status is MessageStatus.Delivered or MessageStatus.Failed or MessageStatus.Rejected;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        var message = await MessagesApi.LoadAsync(db, id, cancellationToken);
        if (message is null || message.SenderUnionId != User.UnionId())
            return NotFound();
        View = MessageStatusView.From(message);
        return Page();
    }
}
