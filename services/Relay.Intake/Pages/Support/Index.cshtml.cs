using Microsoft.AspNetCore.Mvc;
using Relay.Intake.Pages.Shared;
using Relay.Storage;

namespace Relay.Intake.Pages.Support;

/// <summary>
/// The supporters' form, for people without a union's key: their name, organisation and address
/// with the message. It is held until they confirm it through the link emailed to them (double
/// opt-in), then goes through moderation as from an unverified sender.
/// </summary>
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(Relay.Intake.Abuse.RateLimits.EmailingForms)]
public class IndexModel(RelayDb db, MessageSubmission submission, ILogger<IndexModel> logger) : MessageFormModel(db)
{
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Organisation { get; set; }
    [BindProperty] public string? Email { get; set; }
    /// <summary>A field people never see and bots fill in.</summary>
    [BindProperty] public string? Website { get; set; }

    /// <summary>Where the confirmation link went, once the message is stored.</summary>
    public string? SentTo { get; private set; }

    public override string FormPath => "/support";
    protected override IReadOnlyCollection<string> Fields => ["name", "organisation", "email", .. base.Fields];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        FormKey = Guid.NewGuid().ToString("N");
        await LoadDirectoryAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(Website))
        {
            // Answered as if accepted, so the bot learns nothing; nothing is stored or sent.
            logger.LogWarning("Supporters' form: a submission that filled the hidden field was dropped ({Address})", HttpContext.Connection.RemoteIpAddress);
            SentTo = Email;
            return Page();
        }
        var sender = new UnconfirmedSender(null, Name ?? "", string.IsNullOrWhiteSpace(Organisation) ? null : Organisation, Email ?? "");
        switch (await submission.SubmitUnconfirmedAsync(sender, MessageRequest(), MessageChannel.SupporterForm, IdempotencyKey, cancellationToken))
        {
            case SubmissionResult.Accepted accepted:
                SentTo = accepted.Message.ConfirmationAddress;
                return Page();
            case var refused:
                return await ShowRefusalAsync(refused, cancellationToken);
        }
    }
}
