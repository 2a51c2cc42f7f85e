using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.Intake.Auth;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake.Pages.Write;

public enum SignInLinkState { Valid, Invalid, Expired, Used }

/// <summary>
/// The page an emailed sign-in link opens. Opening it changes nothing (mail scanners open links);
/// the button signs in, once: the union's SignInLinksSpentUntil moves up to the link's issue time in
/// one conditional update, so the link, and any older one, never works again.
/// </summary>
public class SignInLinkModel(RelayDb db, SignInLinks links, IOptions<Relay.ServiceDefaults.LinkOptions> options, ILogger<SignInLinkModel> logger) : PageModel
{
    private string _keyHash = "";

    public SignInLinkState State { get; private set; }
    public string? UnionName { get; private set; }

    public static SignInLinkState Decide(DateTime issuedAt, DateTime? spentUntil, DateTime now, TimeSpan lifetime) =>
        spentUntil >= issuedAt ? SignInLinkState.Used
        : now - issuedAt > lifetime || issuedAt > now + TimeSpan.FromMinutes(5) ? SignInLinkState.Expired
        : SignInLinkState.Valid;

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken cancellationToken)
    {
        await CheckAsync(token, cancellationToken);
        if (State == SignInLinkState.Invalid)
            Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string token, CancellationToken cancellationToken)
    {
        var (unionId, issuedAt) = await CheckAsync(token, cancellationToken);
        if (State != SignInLinkState.Valid)
            return Page();
        var spent = await db.Unions.Where(u => u.Id == unionId && (u.SignInLinksSpentUntil == null || u.SignInLinksSpentUntil < issuedAt))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.SignInLinksSpentUntil, issuedAt), cancellationToken);
        if (spent == 0)
        {
            State = SignInLinkState.Used;
            return Page();
        }
        var identity = new ClaimsIdentity(ApiKeyAuthentication.UnionClaims(unionId, UnionName!, _keyHash), UnionSession.Scheme);
        await HttpContext.SignInAsync(UnionSession.Scheme, new ClaimsPrincipal(identity));
        logger.LogInformation("Union form: {Union} signed in with an emailed link", UnionName);
        return LocalRedirect("/write");
    }

    private async Task<(Guid UnionId, DateTime IssuedAt)> CheckAsync(string token, CancellationToken cancellationToken)
    {
        State = SignInLinkState.Invalid;
        if (!links.TryRead(token, out var unionId, out var issuedAt))
            return default;
        var union = await db.Unions.AsNoTracking().Where(u => u.Id == unionId).Select(u => new { u.Name, u.SignInLinksSpentUntil, u.ApiKeyHash })
            .FirstOrDefaultAsync(cancellationToken);
        if (union is null)
            return default;
        UnionName = union.Name;
        _keyHash = union.ApiKeyHash;
        State = Decide(issuedAt, union.SignInLinksSpentUntil, DateTime.UtcNow, options.Value.SignInLinkLifetime);
        return (unionId, issuedAt);
    }
}
