using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Storage;

namespace Relay.Intake.Auth;

public static class Roles
{
    public const string Coordinator = "coordinator";
    public const string Union = "union";
}

public static class Policies
{
    public const string Coordinator = "coordinator";
    public const string Union = "union";
    public const string UnionOrCoordinator = "union-or-coordinator";
    /// <summary>A coordinator signed in to the review desk (its session cookie).</summary>
    public const string ReviewDesk = "review-desk";
    /// <summary>A union signed in to the submission form (its session cookie).</summary>
    public const string UnionForm = "union-form";
}

/// <summary>The review desk's session: the coordinator key once, then a cookie.</summary>
public static class ReviewSession
{
    public const string Scheme = "ReviewDesk";
}

/// <summary>The unions' submission form's session: the union's API key once, then a cookie.</summary>
public static class UnionSession
{
    public const string Scheme = "UnionSession";
}

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>: a coordinator key or a union's key, looked up by its
/// SHA-256 hash (keys are never stored). A union's principal carries its id.
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    RelayDb db, RecentLookups recent, IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string UnionIdClaim = "union_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        var hash = ApiKeys.Hash(header["Bearer ".Length..].Trim());

        if ((recent.HolderOf(hash) ?? await LookUpAsync(hash)) is not { } holder)
            return AuthenticateResult.Fail("Unknown API key.");
        return holder.UnionId is { } union
            ? Success(UnionClaims(union, holder.Name, hash))
            : Success(new Claim(ClaimTypes.Role, Roles.Coordinator), new Claim(ClaimTypes.Name, "coordinator"));
    }

    private async Task<KeyHolder?> LookUpAsync(string hash)
    {
        // Unions' keys first: they make nearly every request, so it takes one query.
        var holder = await db.Unions.Where(u => u.ApiKeyHash == hash).Select(u => new KeyHolder(u.Id, u.Name))
            .FirstOrDefaultAsync(Context.RequestAborted);
        if (holder is null && await db.CoordinatorKeys.AnyAsync(k => k.KeyHash == hash, Context.RequestAborted))
            holder = new KeyHolder(null, "coordinator");
        if (holder is not null)
            recent.RememberHolder(hash, holder);
        return holder;
    }

    /// <summary>What a union is known by, whether it calls the API with its key or signed in to the form; the stamp names the key (<see cref="SessionValidation"/>).</summary>
    public static Claim[] UnionClaims(Guid id, string name, string keyHash) =>
        [new Claim(ClaimTypes.Role, Roles.Union), new Claim(ClaimTypes.Name, name), new Claim(UnionIdClaim, id.ToString()),
         new Claim(SessionValidation.KeyStampClaim, SessionValidation.StampOf(keyHash))];

    private AuthenticateResult Success(params Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        var detail = Request.Headers.Authorization.Count == 0
            ? "This endpoint needs an API key: send 'Authorization: Bearer <key>'."
            : "The API key is not valid.";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = 401, Title = "Unauthorized", Detail = detail },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = 403, Title = "Forbidden", Detail = "This key may not use this endpoint." },
        });
    }
}

public static class PrincipalExtensions
{
    public static bool IsCoordinator(this ClaimsPrincipal user) => user.IsInRole(Roles.Coordinator);

    public static Guid? UnionId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ApiKeyAuthentication.UnionIdClaim), out var id) ? id : null;
}
