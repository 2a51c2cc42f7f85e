using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Relay.Storage;

namespace Relay.Intake.Auth;

/// <summary>A union's new key: the only time it is shown.</summary>
public sealed record KeyIssued(Guid Id, string ApiKey);

public sealed record CoordinatorKeyRequest(string? Label);

/// <summary>A coordinator key as listed: never the key, which is not stored.</summary>
public sealed record CoordinatorKeyView(Guid Id, string Label, DateTime CreatedAt);

/// <summary>
/// Keys are stored as hashes, shown once, and can be replaced or revoked by a coordinator: a
/// rotated or revoked key stops working at once, for the API and for the page sessions opened with it.
/// </summary>
public static class KeysApi
{
    public static void MapKeys(this WebApplication app)
    {
        var unions = app.MapGroup("/api/unions/{id:guid}/key").RequireAuthorization(Policies.Coordinator);
        unions.MapPost("/", RotateUnionKeyAsync);
        unions.MapDelete("/", RevokeUnionKeyAsync);
        var coordinators = app.MapGroup("/api/coordinator-keys").RequireAuthorization(Policies.Coordinator);
        coordinators.MapGet("/", ListCoordinatorKeysAsync);
        coordinators.MapPost("/", CreateCoordinatorKeyAsync);
        coordinators.MapDelete("/{id:guid}", RevokeCoordinatorKeyAsync);
    }

    /// <summary>A new key for the union; the old one stops working.</summary>
    private static async Task<Results<Ok<KeyIssued>, NotFound>> RotateUnionKeyAsync(Guid id, ClaimsPrincipal user, RelayDb db, RecentLookups recent, ILogger<KeyIssued> logger,
        CancellationToken cancellationToken)
    {
        var key = ApiKeys.Generate();
        if (!await ReplaceHashAsync(db, recent, id, ApiKeys.Hash(key), cancellationToken))
            return TypedResults.NotFound();
        logger.LogWarning("Union {Union}: API key replaced by {Coordinator}", id, user.Identity?.Name);
        return TypedResults.Ok(new KeyIssued(id, key));
    }

    /// <summary>The union's key stops working and no new one is given (POST makes a new one later).</summary>
    private static async Task<Results<NoContent, NotFound>> RevokeUnionKeyAsync(Guid id, ClaimsPrincipal user, RelayDb db, RecentLookups recent, ILogger<KeyIssued> logger,
        CancellationToken cancellationToken)
    {
        // The hash of a key no one was ever given: nothing matches it.
        if (!await ReplaceHashAsync(db, recent, id, ApiKeys.Hash(ApiKeys.Generate()), cancellationToken))
            return TypedResults.NotFound();
        logger.LogWarning("Union {Union}: API key revoked by {Coordinator}", id, user.Identity?.Name);
        return TypedResults.NoContent();
    }

    private static async Task<bool> ReplaceHashAsync(RelayDb db, RecentLookups recent, Guid union, string hash, CancellationToken cancellationToken)
    {
        // An erased union is never given a key again.
        var replaced = await db.Unions.Where(u => u.Id == union && u.ErasedAt == null).ExecuteUpdateAsync(s => s.SetProperty(u => u.ApiKeyHash, hash), cancellationToken) == 1;
        recent.ForgetUnion(union);
        return replaced;
    }

    private static async Task<Ok<List<CoordinatorKeyView>>> ListCoordinatorKeysAsync(RelayDb db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.CoordinatorKeys.AsNoTracking().OrderBy(k => k.CreatedAt)
            .Select(k => new CoordinatorKeyView(k.Id, k.Label, k.CreatedAt)).ToListAsync(cancellationToken));

    private static async Task<Results<Created<KeyIssued>, ValidationProblem>> CreateCoordinatorKeyAsync(
        CoordinatorKeyRequest request, ClaimsPrincipal user, RelayDb db, ILogger<KeyIssued> logger, CancellationToken cancellationToken)
    {
        var validation = new Validation().RequiredLine("label", request.Label, "A key needs a label saying whose it is.");
        if (!validation.IsValid)
            return validation.Problem();
        var key = ApiKeys.Generate();
        var entry = new CoordinatorKey { Id = Guid.NewGuid(), KeyHash = ApiKeys.Hash(key), Label = request.Label!.Trim(), CreatedAt = DateTime.UtcNow };
        db.CoordinatorKeys.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogWarning("Coordinator key {Key} ({Label}) created by {Coordinator}", entry.Id, entry.Label, user.Identity?.Name);
        return TypedResults.Created($"/api/coordinator-keys/{entry.Id}", new KeyIssued(entry.Id, key));
    }

    /// <summary>A coordinator key stops working; the last one cannot be revoked, or no one could manage Relay.</summary>
    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> RevokeCoordinatorKeyAsync(
        Guid id, ClaimsPrincipal user, RelayDb db, RecentLookups recent, ILogger<KeyIssued> logger, CancellationToken cancellationToken)
    {
        if (!await db.CoordinatorKeys.AnyAsync(k => k.Id == id, cancellationToken))
            return TypedResults.NotFound();
        if (await db.CoordinatorKeys.CountAsync(cancellationToken) == 1)
            return TypedResults.Problem(statusCode: 409, title: "The last coordinator key.",
                detail: "This is the only coordinator key: create another (POST /api/coordinator-keys) before revoking it.");
        await db.CoordinatorKeys.Where(k => k.Id == id).ExecuteDeleteAsync(cancellationToken);
        recent.ForgetCoordinators();
        logger.LogWarning("Coordinator key {Key} revoked by {Coordinator}", id, user.Identity?.Name);
        return TypedResults.NoContent();
    }
}
