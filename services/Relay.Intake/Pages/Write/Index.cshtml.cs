using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Relay.Intake.Auth;
using Relay.Intake.Pages.Shared;
using Relay.Storage;

namespace Relay.Intake.Pages.Write;

/// <summary>The unions' submission form: a submission goes through <see cref="MessageSubmission"/>, as POST /api/messages does.</summary>
public class IndexModel(RelayDb db, MessageSubmission submission) : MessageFormModel(db)
{
    public override string FormPath => "/write";
    protected override Guid? Writer => User.UnionId();

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var sender = await Db.Unions.AsNoTracking().FirstAsync(u => u.Id == User.UnionId(), cancellationToken);
        Language = sender.PreferredLanguage;
        FormKey = Guid.NewGuid().ToString("N");
        await LoadDirectoryAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken) =>
        await submission.SubmitAsync(User.UnionId()!.Value, MessageRequest(), IdempotencyKey, cancellationToken, MessageChannel.Form) switch
        {
            SubmissionResult.Accepted accepted => RedirectToPage("/Write/Message", new { id = accepted.Message.Id }),
            var refused => await ShowRefusalAsync(refused, cancellationToken),
        };
}
