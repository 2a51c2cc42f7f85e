using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Intake.Auth;
using Relay.Storage;

namespace Relay.Intake;

public sealed record HeldMessage(Guid Id, string Title, string? Language, UnionRef Sender, DateTime ReceivedAt, IReadOnlyList<string> Reasons);

/// <summary>The coordinators' decisions over HTTP: the held queue, approve, reject with a reason.</summary>
public static class ReviewApi
{
    public static void MapReview(this WebApplication app)
    {
        app.MapGet("/api/review", ListHeldAsync).RequireAuthorization(Policies.Coordinator);
        var decide = app.MapGroup("/api/messages/{id:guid}").RequireAuthorization(Policies.Coordinator);
        decide.MapPost("/approve", ApproveAsync);
        decide.MapPost("/reject", RejectAsync);
    }

    /// <summary>Held messages, oldest first.</summary>
    private static async Task<Ok<List<HeldMessage>>> ListHeldAsync(RelayDb db, CancellationToken cancellationToken)
    {
        var held = await db.Messages.AsNoTracking().Include(m => m.Sender)
            .Where(m => m.Status == MessageStatus.Held).OrderBy(m => m.ReceivedAt)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(held.Select(m => new HeldMessage(m.Id, m.Title, m.Language,
            new UnionRef(m.SenderUnionId, m.Sender?.Name), m.ReceivedAt, m.ModerationReasons)).ToList());
    }

    private static async Task<Results<Ok<MessageStatusView>, ProblemHttpResult>> ApproveAsync(Guid id, ClaimsPrincipal user, RelayDb db, CancellationToken cancellationToken) =>
        await DecideAsync(db, id, user, cancellationToken, message =>
        {
            (message.Status, message.ModerationDecision) = (MessageStatus.Approved, "approve");
            db.Enqueue(new MessageApproved(message.Id, message.DecidedBy!));
        });

    private static async Task<Results<Ok<MessageStatusView>, ProblemHttpResult>> RejectAsync(Guid id, RejectRequest? request, ClaimsPrincipal user, RelayDb db, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request?.Reason))
            return TypedResults.Problem(statusCode: 400, title: "The request is not valid.",
                detail: "A rejection needs a reason: the sender will see it.");
        return await DecideAsync(db, id, user, cancellationToken, message =>
        {
            (message.Status, message.ModerationDecision) = (MessageStatus.Rejected, "reject");
            message.ModerationReasons = [.. message.ModerationReasons, "coordinator: " + request.Reason.Trim()];
            db.Enqueue(new MessageRejected(message.Id, request.Reason.Trim(), message.DecidedBy!));
        });
    }

    private static async Task<Results<Ok<MessageStatusView>, ProblemHttpResult>> DecideAsync(
        RelayDb db, Guid id, ClaimsPrincipal user, CancellationToken cancellationToken, Action<SolidarityMessage> decide)
    {
        var message = await db.Messages.FirstOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (message is null)
            return MessagesApi.NotFound(id);
        if (message.Status != MessageStatus.Held)
            return TypedResults.Problem(statusCode: 409, title: "Not held.",
                detail: $"Message {id} is {message.Status}; only held messages wait for a decision.");
        message.DecidedBy = user.Identity?.Name ?? "coordinator";
        message.UpdatedAt = DateTime.UtcNow;
        decide(message);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return TypedResults.Problem(statusCode: 409, title: "Decided meanwhile.",
                detail: $"Message {id} changed while you decided; reload it and try again.");
        }
        return TypedResults.Ok(MessageStatusView.From((await MessagesApi.LoadAsync(db, id, cancellationToken))!));
    }
}
