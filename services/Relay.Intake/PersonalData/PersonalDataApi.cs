using System.Net.Mail;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Relay.Intake.Auth;

namespace Relay.Intake.PersonalData;

/// <summary>
/// A supporter is named by their address, the one thing a coordinator learns from a person's
/// request. It travels in the body, not the URL, so that it stays out of access logs.
/// </summary>
public sealed record SupporterRequest(string? Email, string? Reason);

/// <summary>
/// A coordinator exports or erases what Relay holds about one union or one supporter (a person's
/// right of access and of erasure). Every export and erasure is in the audit log.
/// </summary>
public static class PersonalDataApi
{
    public static void MapPersonalData(this WebApplication app)
    {
        app.MapGet("/api/unions/{id:guid}/export", ExportUnionAsync).RequireAuthorization(Policies.Coordinator);
        app.MapDelete("/api/unions/{id:guid}", EraseUnionAsync).RequireAuthorization(Policies.Coordinator);
        var supporters = app.MapGroup("/api/supporters").RequireAuthorization(Policies.Coordinator);
        supporters.MapPost("/export", ExportSupporterAsync);
        supporters.MapPost("/erase", EraseSupporterAsync);
    }

    private static async Task<IResult> ExportUnionAsync(Guid id, ClaimsPrincipal user, PersonalDataExport export, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        CancellationToken cancellationToken) =>
        await export.UnionAsync(id, ReviewApi.Actor(user), cancellationToken) is { } data
            ? Download(data, $"relay-union-{id}-{data.ExportedAt:yyyy-MM-dd}.json", json.Value.SerializerOptions)
            : TypedResults.Problem(statusCode: 404, title: "Unknown union.", detail: $"No union has the id {id}.");

    private static async Task<IResult> ExportSupporterAsync(SupporterRequest request, ClaimsPrincipal user, PersonalDataExport export,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        if (Invalid(request) is { } invalid)
            return invalid;
        return await export.SupporterAsync(request.Email!, ReviewApi.Actor(user), cancellationToken) is { } data
            ? Download(data, $"relay-supporter-{data.Supporter?.Id.ToString() ?? "emails"}-{data.ExportedAt:yyyy-MM-dd}.json", json.Value.SerializerOptions)
            : NoSuchSupporter();
    }

    /// <summary>Erases a union (see <see cref="Erasure"/>); <c>?reason=</c> goes into the audit log.</summary>
    private static async Task<IResult> EraseUnionAsync(Guid id, string? reason, ClaimsPrincipal user, Erasure erasure, CancellationToken cancellationToken) =>
        Answer(await erasure.EraseUnionAsync(id, ReviewApi.Actor(user), reason, cancellationToken),
            () => TypedResults.Problem(statusCode: 404, title: "Unknown union.", detail: $"No union has the id {id}, or it was erased already."));

    private static async Task<IResult> EraseSupporterAsync(SupporterRequest request, ClaimsPrincipal user, Erasure erasure, CancellationToken cancellationToken)
    {
        if (Invalid(request) is { } invalid)
            return invalid;
        return Answer(await erasure.EraseSupporterAsync(request.Email!, ReviewApi.Actor(user), request.Reason, cancellationToken), NoSuchSupporter);
    }

    private static IResult Answer(ErasureResult result, Func<IResult> notFound) => result switch
    {
        ErasureResult.Erased erased => TypedResults.Ok(erased.Counts),
        ErasureResult.InFlight inFlight => TypedResults.Problem(statusCode: 409, title: "Messages in flight.",
            detail: $"{inFlight.Messages.Count} message(s) from or to them are still moving through the stages (held, waiting, being delivered); "
                + "erase once they are delivered, failed or rejected (a held one can be rejected at the review desk). Nothing was erased.",
            extensions: new Dictionary<string, object?> { ["messages"] = inFlight.Messages }),
        _ => notFound(),
    };

    private static IResult NoSuchSupporter() =>
        TypedResults.Problem(statusCode: 404, title: "Unknown supporter.", detail: "Relay holds no supporter and no intake email with that address (or it was anonymised already).");

    private static ValidationProblem? Invalid(SupporterRequest request)
    {
        var v = new Validation();
        if (string.IsNullOrWhiteSpace(request.Email) || !MailAddress.TryCreate(request.Email.Trim(), out _) || Validation.HasLineBreak(request.Email))
            v.Add("email", "The supporter's email address is needed (\"email\": \"name@example.org\").");
        return v.IsValid ? null : v.Problem();
    }

    private static IResult Download<T>(T data, string fileName, JsonSerializerOptions options) =>
        TypedResults.File(JsonSerializer.SerializeToUtf8Bytes(data, options), "application/json; charset=utf-8", fileName);
}
