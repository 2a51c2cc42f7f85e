using System.Globalization;
using System.Net.Mail;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Relay.Intake.Auth;
using Relay.Intake.Preferences;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake;

/// <summary>A new union; <c>reviewIncoming</c>: every message sent to it is read by a coordinator first.</summary>
public sealed record CreateUnionRequest(string? Name, string? Country, List<string>? Languages, string? Email, bool ReviewIncoming = false);

/// <summary>Whether every message sent to a union is read by a coordinator first.</summary>
public sealed record ReviewIncomingRequest(bool ReviewIncoming);

/// <summary>The answer to a new union: the only time its API key is shown.</summary>
public sealed record UnionCreated(Guid Id, string Name, string Country, IReadOnlyList<string> Languages, string ApiKey);

/// <summary>A union as the public directory shows it: never its email address.</summary>
public sealed record UnionListing(Guid Id, string Name, string Country, IReadOnlyList<string> Languages);

/// <summary>A union as coordinators see it: its address, whether it still receives messages and why not, and whether messages to it are reviewed first.</summary>
public sealed record UnionDetail(Guid Id, string Name, string Country, IReadOnlyList<string> Languages, string Email,
    bool ReceivesMessages, DateTime? SuppressedAt, string? SuppressedReason, int BounceCount, DateTime? LastBounceAt, bool ReviewIncoming, DateTime? ErasedAt)
{
    public static UnionDetail From(Union u) =>
        new(u.Id, u.Name, u.Country, u.Languages, u.Email, !u.IsSuppressed, u.SuppressedAt, u.SuppressedReason, u.BounceCount, u.LastBounceAt, u.ReviewIncoming, u.ErasedAt);
}

public static class UnionsApi
{
    public static void MapUnions(this WebApplication app)
    {
        var unions = app.MapGroup("/api/unions");
        unions.MapPost("/", CreateAsync).RequireAuthorization(Policies.Coordinator);
        unions.MapGet("/", ListAsync);
        unions.MapGet("/{id:guid}", GetAsync).RequireAuthorization(Policies.Coordinator);
        unions.MapPost("/{id:guid}/reinstate", ReinstateAsync).RequireAuthorization(Policies.Coordinator);
        unions.MapPut("/{id:guid}/review-incoming", SetReviewIncomingAsync).RequireAuthorization(Policies.Coordinator);
    }

    private static async Task<Results<Ok<UnionDetail>, NotFound>> GetAsync(Guid id, RelayDb db, CancellationToken cancellationToken) =>
        await db.Unions.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, cancellationToken) is { } union
            ? TypedResults.Ok(UnionDetail.From(union))
            : TypedResults.NotFound();

    /// <summary>A suppressed union receives messages again (its address was fixed, or it opted out by mistake).</summary>
    private static async Task<Results<Ok<UnionDetail>, NotFound>> ReinstateAsync(Guid id, RelayDb db, CancellationToken cancellationToken)
    {
        // An erased union has no address to deliver to: it is never reinstated.
        if (await db.Unions.FirstOrDefaultAsync(u => u.Id == id && u.ErasedAt == null, cancellationToken) is not { } union)
            return TypedResults.NotFound();
        RecipientPreferences.Resume(union);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(UnionDetail.From(union));
    }

    /// <summary>A union asks that every message sent to it is read by a coordinator first (moderation holds them), or no longer asks.</summary>
    private static async Task<Results<Ok<UnionDetail>, NotFound>> SetReviewIncomingAsync(Guid id, ReviewIncomingRequest request, RelayDb db, CancellationToken cancellationToken)
    {
        if (await db.Unions.FirstOrDefaultAsync(u => u.Id == id, cancellationToken) is not { } union)
            return TypedResults.NotFound();
        union.ReviewIncoming = request.ReviewIncoming;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(UnionDetail.From(union));
    }

    private static async Task<Results<Created<UnionCreated>, ValidationProblem>> CreateAsync(CreateUnionRequest request, RelayDb db, CancellationToken cancellationToken)
    {
        var validation = Validate(request);
        if (!validation.IsValid)
            return validation.Problem();

        var key = ApiKeys.Generate();
        var union = new Union
        {
            Id = Guid.NewGuid(),
            Name = request.Name!.Trim(),
            Country = request.Country!.ToUpperInvariant(),
            Languages = request.Languages!.Select(LanguageTags.Normalize).Distinct().ToList(),
            Email = request.Email!.Trim(),
            ApiKeyHash = ApiKeys.Hash(key),
            CreatedAt = DateTime.UtcNow,
            ReviewIncoming = request.ReviewIncoming,
        };
        db.Unions.Add(union);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/unions/{union.Id}",
            new UnionCreated(union.Id, union.Name, union.Country, union.Languages, key));
    }

    private static async Task<Ok<List<UnionListing>>> ListAsync(RelayDb db, CancellationToken cancellationToken)
    {
        var unions = await db.Unions.AsNoTracking().Where(u => u.ErasedAt == null).OrderBy(u => u.Name)
            .Select(u => new UnionListing(u.Id, u.Name, u.Country, u.Languages))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(unions);
    }

    public static Validation Validate(CreateUnionRequest request)
    {
        var v = new Validation().RequiredLine("name", request.Name, "A union needs a name.");

        if (!IsCountry(request.Country))
            v.Add("country", $"'{request.Country}' is not an ISO 3166 alpha-2 country code (such as CO or UA).");

        if (request.Languages is null || request.Languages.Count == 0)
            v.Add("languages", "A union needs at least one language, its preferred first (BCP-47 codes such as \"es\").");
        else
            foreach (var language in request.Languages.Where(l => !LanguageTags.IsValid(l)))
                v.Add("languages", $"'{language}' is not a BCP-47 language code (such as \"en\" or \"pt-BR\").");

        if (string.IsNullOrWhiteSpace(request.Email) || !MailAddress.TryCreate(request.Email.Trim(), out var address)
            || address.Address != request.Email.Trim() || Validation.HasLineBreak(request.Email))
            v.Add("email", $"'{request.Email}' is not an email address.");
        return v;
    }

    private static bool IsCountry(string? code)
    {
        if (code is not { Length: 2 } || !code.All(char.IsAsciiLetter))
            return false;
        try { return new RegionInfo(code).TwoLetterISORegionName.Equals(code, StringComparison.OrdinalIgnoreCase); }
        catch (ArgumentException) { return false; }
    }
}
