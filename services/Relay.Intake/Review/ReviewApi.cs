using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Relay.Intake.Auth;
using Relay.Intake.Review;
using Relay.Storage;

namespace Relay.Intake;

public sealed record HeldMessage(Guid Id, string Title, string? Language, SenderView Sender, DateTime ReceivedAt, IReadOnlyList<string> Reasons);
public sealed record ApproveRequest(IReadOnlyList<TranslationEdit>? Translations);
public sealed record TakedownRequest(string? Reason);
public sealed record AuditEntryView(DateTime At, string Actor, string Action, Guid? MessageId, string? Detail, string? Reason);

/// <summary>
/// The coordinators' acts over HTTP, the same as the review desk's pages: the held queue, approve
/// (optionally with corrected translations), reject with a reason, take a publication down; and the
/// audit log, as JSON or CSV. A single translation is corrected with PUT /api/messages/{id}/translations/{language}.
/// </summary>
public static class ReviewApi
{
    public static void MapReview(this WebApplication app)
    {
        app.MapGet("/api/review", ListHeldAsync).RequireAuthorization(Policies.Coordinator);
        var decide = app.MapGroup("/api/messages/{id:guid}").RequireAuthorization(Policies.Coordinator);
        decide.MapPost("/approve", ApproveAsync);
        decide.MapPost("/reject", RejectAsync);
        decide.MapPost("/takedown", TakeDownAsync);
        app.MapGet("/api/audit", AuditAsync).RequireAuthorization(Policies.Coordinator);
        app.MapGet("/api/audit.csv", AuditCsvAsync).RequireAuthorization(Policies.Coordinator);
        app.MapGet("/review/audit.csv", AuditCsvAsync).RequireAuthorization(Policies.ReviewDesk);
    }

    /// <summary>Held messages, oldest first.</summary>
    private static async Task<Ok<List<HeldMessage>>> ListHeldAsync(ReviewDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok((await desk.HeldAsync(cancellationToken)).Select(m => new HeldMessage(m.Id, m.Title, m.Language,
            SenderView.Of(m), m.ReceivedAt, m.ModerationReasons)).ToList());

    private static async Task<IResult> ApproveAsync(Guid id, ApproveRequest? request, ClaimsPrincipal user, ReviewDesk desk, RelayDb db, CancellationToken cancellationToken) =>
        await AnswerAsync(id, db, await desk.ApproveAsync(id, Actor(user), request?.Translations ?? [], cancellationToken), cancellationToken);

    private static async Task<IResult> RejectAsync(Guid id, RejectRequest? request, ClaimsPrincipal user, ReviewDesk desk, RelayDb db, CancellationToken cancellationToken) =>
        await AnswerAsync(id, db, await desk.RejectAsync(id, Actor(user), request?.Reason, cancellationToken), cancellationToken);

    private static async Task<IResult> TakeDownAsync(Guid id, TakedownRequest? request, ClaimsPrincipal user, ReviewDesk desk, RelayDb db, CancellationToken cancellationToken) =>
        await AnswerAsync(id, db, await desk.TakeDownAsync(id, Actor(user), request?.Reason, cancellationToken), cancellationToken);

    /// <summary>The newest entries first (at most <paramref name="limit"/>, default 500), for one message or all.</summary>
    private static async Task<Ok<List<AuditEntryView>>> AuditAsync(RelayDb db, Guid? messageId, int? limit, CancellationToken cancellationToken) =>
        TypedResults.Ok((await AuditQuery(db, messageId).OrderByDescending(a => a.At).Take(Math.Clamp(limit ?? 500, 1, 10_000)).ToListAsync(cancellationToken))
            .Select(a => new AuditEntryView(a.At, a.Actor, a.Action, a.MessageId, a.Detail, a.Reason)).ToList());

    /// <summary>The whole log (or one message's), oldest first, as a download.</summary>
    private static async Task<IResult> AuditCsvAsync(RelayDb db, Guid? messageId, CancellationToken cancellationToken)
    {
        var entries = await AuditQuery(db, messageId).OrderBy(a => a.At).ToListAsync(cancellationToken);
        return Results.File(Encoding.UTF8.GetBytes(AuditCsv.Write(entries)), "text/csv; charset=utf-8", $"relay-audit-{DateTime.UtcNow:yyyy-MM-dd}.csv");
    }

    private static IQueryable<AuditEntry> AuditQuery(RelayDb db, Guid? messageId) =>
        messageId is { } id ? db.AuditLog.AsNoTracking().Where(a => a.MessageId == id) : db.AuditLog.AsNoTracking();

    /// <summary>Who acted, as the audit log names them: a signed-in coordinator's name, or the key that called the API.</summary>
    public static string Actor(ClaimsPrincipal user) => user.Identity?.Name is { Length: > 0 } name ? name : "coordinator";

    private static async Task<IResult> AnswerAsync(Guid id, RelayDb db, ReviewResult result, CancellationToken cancellationToken) => result switch
    {
        ReviewResult.NotFound => MessagesApi.NotFound(id),
        ReviewResult.Refused r => TypedResults.Problem(statusCode: r.Status, title: r.Title, detail: r.Detail),
        _ => TypedResults.Ok(MessageStatusView.From((await MessagesApi.LoadAsync(db, id, cancellationToken))!)),
    };
}
