using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Relay.Intake.Auth;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake;

/// <summary>A glossary term: kept as written through translation, or rendered as given per language.</summary>
public sealed record GlossaryTermRequest(string? Term, string? Note, Dictionary<string, string>? Renderings);

public sealed record GlossaryTermView(Guid Id, string Term, string? Note, IReadOnlyDictionary<string, string> Renderings, DateTime CreatedAt)
{
    public static GlossaryTermView From(GlossaryTerm t) =>
        new(t.Id, t.Term, t.Note, t.Renderings.OrderBy(r => r.Language).ToDictionary(r => r.Language, r => r.Text), t.CreatedAt);
}

public sealed record ProviderUsageView(string Provider, DateOnly Day, long Characters, int Requests);

/// <summary>Coordinators keep the glossary (names of unions, people, places, slogans) and see what providers were sent.</summary>
public static class GlossaryApi
{
    public static void MapGlossary(this WebApplication app)
    {
        var glossary = app.MapGroup("/api/glossary").RequireAuthorization(Policies.Coordinator);
        glossary.MapGet("/", ListAsync);
        glossary.MapPost("/", CreateAsync);
        glossary.MapPut("/{id:guid}", ReplaceAsync);
        glossary.MapDelete("/{id:guid}", DeleteAsync);
        app.MapGet("/api/translation/usage", UsageAsync).RequireAuthorization(Policies.Coordinator);
    }

    private static async Task<Ok<List<GlossaryTermView>>> ListAsync(RelayDb db, CancellationToken cancellationToken) =>
        TypedResults.Ok((await db.Glossary.AsNoTracking().Include(t => t.Renderings).OrderBy(t => t.Term).ToListAsync(cancellationToken))
            .Select(GlossaryTermView.From).ToList());

    private static async Task<Results<Created<GlossaryTermView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        GlossaryTermRequest request, RelayDb db, CancellationToken cancellationToken)
    {
        var validation = Validate(request);
        if (!validation.IsValid)
            return validation.Problem();
        var term = new GlossaryTerm { Id = Guid.NewGuid(), Term = request.Term!.Trim(), Note = request.Note?.Trim(), CreatedAt = DateTime.UtcNow };
        Apply(term, request);
        db.Glossary.Add(term);
        if (await ExistsAsync(db, term.Term, null, cancellationToken))
            return Duplicate(term.Term);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/glossary/{term.Id}", GlossaryTermView.From(term));
    }

    private static async Task<Results<Ok<GlossaryTermView>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(
        Guid id, GlossaryTermRequest request, RelayDb db, CancellationToken cancellationToken)
    {
        var validation = Validate(request);
        if (!validation.IsValid)
            return validation.Problem();
        var term = await db.Glossary.Include(t => t.Renderings).FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (term is null)
            return TypedResults.Problem(statusCode: 404, title: "Not found.", detail: $"There is no glossary term {id}.");
        if (await ExistsAsync(db, request.Term!.Trim(), id, cancellationToken))
            return Duplicate(request.Term.Trim());
        term.Term = request.Term.Trim();
        term.Note = request.Note?.Trim();
        term.Renderings.Clear();
        Apply(term, request);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(GlossaryTermView.From(term));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, RelayDb db, CancellationToken cancellationToken) =>
        await db.Glossary.Where(t => t.Id == id).ExecuteDeleteAsync(cancellationToken) > 0
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: 404, title: "Not found.", detail: $"There is no glossary term {id}.");

    /// <summary>Characters sent to each provider per day (UTC), newest first: what commercial providers bill.</summary>
    private static async Task<Ok<List<ProviderUsageView>>> UsageAsync(RelayDb db, int? days, CancellationToken cancellationToken)
    {
        var since = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-Math.Clamp(days ?? 31, 1, 366)));
        return TypedResults.Ok(await db.ProviderUsage.AsNoTracking().Where(u => u.Day > since)
            .OrderByDescending(u => u.Day).ThenBy(u => u.Provider)
            .Select(u => new ProviderUsageView(u.Provider, u.Day, u.Characters, u.Requests)).ToListAsync(cancellationToken));
    }

    private static void Apply(GlossaryTerm term, GlossaryTermRequest request)
    {
        foreach (var (language, text) in request.Renderings ?? [])
            term.Renderings.Add(new GlossaryRendering { TermId = term.Id, Language = LanguageTags.Normalize(language), Text = text.Trim() });
    }

    private static Task<bool> ExistsAsync(RelayDb db, string term, Guid? except, CancellationToken cancellationToken) =>
        db.Glossary.AnyAsync(t => t.Term == term && t.Id != except, cancellationToken);

    private static ProblemHttpResult Duplicate(string term) =>
        TypedResults.Problem(statusCode: 409, title: "Already in the glossary.", detail: $"'{term}' is already in the glossary; change that entry instead.");

    public static Validation Validate(GlossaryTermRequest request)
    {
        var v = new Validation().RequiredLine("term", request.Term, "The term is empty.");
        foreach (var (language, text) in request.Renderings ?? [])
        {
            v.Check(LanguageTags.IsValid(language), "renderings", $"'{language}' is not a BCP-47 language code.")
             .Check(!string.IsNullOrWhiteSpace(text) && text.Length <= 200 && !Validation.HasLineBreak(text), "renderings",
                $"The {language} rendering must be one line of 1 to 200 characters.");
        }
        return v;
    }
}
