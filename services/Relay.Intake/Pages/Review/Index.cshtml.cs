using Microsoft.AspNetCore.Mvc.RazorPages;
using Relay.Intake.Review;
using Relay.Storage;

namespace Relay.Intake.Pages.Review;

/// <summary>The queue of held messages, oldest first, emails waiting for a coordinator to choose their recipients, and the latest publications (to take one down).</summary>
public class IndexModel(ReviewDesk desk) : PageModel
{
    public IReadOnlyList<SolidarityMessage> Held { get; private set; } = [];
    public IReadOnlyList<SolidarityMessage> Published { get; private set; } = [];
    public IReadOnlyList<SolidarityMessage> AwaitingRecipients { get; private set; } = [];
    public IReadOnlyList<InboundMail> Emails { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Held = await desk.HeldAsync(cancellationToken);
        Published = await desk.RecentlyPublishedAsync(20, cancellationToken);
        AwaitingRecipients = await desk.AwaitingRecipientsAsync(cancellationToken);
        Emails = await desk.RecentEmailsAsync(20, cancellationToken);
    }
}
