using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Intake.Auth;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake;

public static class MessagesApi
{
    public static void MapMessages(this WebApplication app)
    {
        var messages = app.MapGroup("/api/messages");
        messages.MapPost("/", SubmitAsync).RequireAuthorization(Policies.Union);
        messages.MapGet("/{id:guid}", GetAsync).RequireAuthorization(Policies.UnionOrCoordinator);
        messages.MapPut("/{id:guid}/translations/{language}", PutTranslationAsync).RequireAuthorization(Policies.Coordinator);
        messages.MapPost("/{id:guid}/translation/retry", RetryTranslationAsync).RequireAuthorization(Policies.Coordinator);
    }

    /// <summary>
    /// Stores the message, its recipients and the MessageSubmitted event in one transaction, then
    /// answers 202: an accepted message goes through even if the broker is down at this moment.
    /// </summary>
    private static async Task<Results<AcceptedAtRoute<MessageAccepted>, Accepted<MessageAccepted>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        SubmitMessageRequest request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        ClaimsPrincipal user, MessageSubmission submission, HttpContext http, CancellationToken cancellationToken)
    {
        switch (await submission.SubmitAsync(user.UnionId()!.Value, request, idempotencyKey, cancellationToken))
        {
            case SubmissionResult.Accepted accepted:
                return TypedResults.Accepted($"/api/messages/{accepted.Message.Id}", new MessageAccepted(accepted.Message.Id, accepted.Message.Status));
            case SubmissionResult.Invalid invalid:
                return invalid.Validation.Problem();
            case SubmissionResult.Limited limited:
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(limited.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Daily limit reached.", detail: limited.Detail);
            default:
                throw new UnreachableException();
        }
    }

    /// <summary>Its sender or a coordinator sees the message; anyone else is told it does not exist.</summary>
    private static async Task<Results<Ok<MessageStatusView>, ProblemHttpResult>> GetAsync(Guid id, ClaimsPrincipal user, RelayDb db, CancellationToken cancellationToken)
    {
        var message = await LoadAsync(db, id, cancellationToken);
        if (message is null || (!user.IsCoordinator() && message.SenderUnionId != user.UnionId()))
            return NotFound(id);
        return TypedResults.Ok(MessageStatusView.From(message));
    }

    /// <summary>
    /// A coordinator's translation: it replaces a machine translation (labelled human from then on)
    /// or supplies one no provider could make, and a waiting message goes on.
    /// </summary>
    private static async Task<Results<Ok<MessageStatusView>, ProblemHttpResult, ValidationProblem>> PutTranslationAsync(
        Guid id, string language, TranslationRequest request, ClaimsPrincipal user, RelayDb db, IOptions<IntakeOptions> options, CancellationToken cancellationToken)
    {
        var v = new Validation()
            .Check(LanguageTags.IsValid(language), "language", $"'{language}' is not a BCP-47 language code.")
            .Check(!string.IsNullOrWhiteSpace(request.Title), "title", "The title is empty.")
            .Check(!string.IsNullOrWhiteSpace(request.Body), "body", "The body is empty.")
            .Check(request.Title is null || (request.Title.Length <= options.Value.MaxTitleCharacters && !Validation.HasLineBreak(request.Title)),
                "title", $"The title must be one line of at most {options.Value.MaxTitleCharacters} characters.")
            .Check(request.Body is null || request.Body.Length <= options.Value.MaxBodyCharacters, "body",
                $"The body is longer than {options.Value.MaxBodyCharacters} characters.");
        if (!v.IsValid)
            return v.Problem();

        var message = await db.Messages.Include(m => m.Translations).FirstOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (message is null)
            return NotFound(id);
        language = LanguageTags.Normalize(language);
        if (message.Status is MessageStatus.Delivered or MessageStatus.Failed or MessageStatus.Rejected)
            return TypedResults.Problem(statusCode: 409, title: "Too late to change.",
                detail: $"Message {id} is {message.Status}; its translations can no longer change.");

        var translation = message.Translations.FirstOrDefault(t => t.Language == language);
        db.Audit(ReviewApi.Actor(user), AuditAction.EditTranslation, id,
            $"{language} translation: {(translation is null ? "supplied" : "replaced")} over the API");
        if (translation is null)
            message.Translations.Add(translation = new Translation
            {
                MessageId = id, Language = language, Title = "", Body = "", Origin = TranslationOrigin.Human, Provider = "",
            });
        translation.Title = request.Title!.Trim();
        translation.Body = request.Body!.Replace("\r\n", "\n").Trim();
        translation.Origin = TranslationOrigin.Human;
        translation.Provider = ReviewApi.Actor(user);
        translation.Path = null;
        translation.At = DateTime.UtcNow;
        if (message.Status == MessageStatus.AwaitingTranslation)
            db.Enqueue(new TranslationSupplied(id, language));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(MessageStatusView.From((await LoadAsync(db, id, cancellationToken))!));
    }

    /// <summary>Another attempt for a message waiting for a translation (a provider that was down may be back).</summary>
    private static async Task<Results<Accepted<MessageAccepted>, ProblemHttpResult>> RetryTranslationAsync(Guid id, RelayDb db, CancellationToken cancellationToken)
    {
        var message = await db.Messages.FirstOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (message is null)
            return NotFound(id);
        if (message.Status != MessageStatus.AwaitingTranslation)
            return TypedResults.Problem(statusCode: 409, title: "Not waiting for a translation.",
                detail: $"Message {id} is {message.Status}; only a message awaiting a translation can be retried.");
        db.Enqueue(new TranslationRetryRequested(id));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted($"/api/messages/{id}", new MessageAccepted(id, message.Status));
    }

    public static Task<SolidarityMessage?> LoadAsync(RelayDb db, Guid id, CancellationToken cancellationToken) =>
        db.Messages.AsNoTracking()
            .Include(m => m.Sender).Include(m => m.Supporter)
            .Include(m => m.Recipients).ThenInclude(r => r.Union)
            .Include(m => m.Translations)
            .Include(m => m.Deliveries)
            .AsSplitQuery()
            .FirstOrDefaultAsync(m => m.Id == id, cancellationToken);

    public static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: 404, title: "Not found.", detail: $"There is no message {id} that this key may see.");
}
