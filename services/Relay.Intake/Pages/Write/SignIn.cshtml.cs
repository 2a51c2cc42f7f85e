using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Relay.Intake.Auth;
using Relay.Storage;

namespace Relay.Intake.Pages.Write;

/// <summary>
/// A union's API key, once, for a session cookie carrying the same claims as the API key would; or,
/// without the key at hand, a sign-in link emailed to the union's registered address.
/// </summary>
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(Relay.Intake.Abuse.RateLimits.EmailingForms)]
public class SignInModel(RelayDb db, ILogger<SignInModel> logger) : PageModel
{
    /// <summary>A union gets at most one sign-in link a minute, however often it is asked for.</summary>
    public static readonly TimeSpan LinkInterval = TimeSpan.FromMinutes(1);

    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    [BindProperty] public string? Key { get; set; }
    [BindProperty] public string? Email { get; set; }
    public string? Error { get; private set; }
    public string? EmailError { get; private set; }
    /// <summary>Set once a link was asked for: the answer is the same whether or not the address is a union's.</summary>
    public bool LinkAsked { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Key))
        {
            Error = "Give your union's API key.";
            return Page();
        }
        var hash = ApiKeys.Hash(Key.Trim());
        var union = await db.Unions.AsNoTracking().Where(u => u.ApiKeyHash == hash).Select(u => new { u.Id, u.Name, u.ApiKeyHash })
            .FirstOrDefaultAsync(cancellationToken);
        if (union is null)
        {
            logger.LogWarning("Union form: a sign-in with an unknown key from {Address}", HttpContext.Connection.RemoteIpAddress);
            Error = "That is not a union's API key.";
            return Page();
        }
        var identity = new ClaimsIdentity(ApiKeyAuthentication.UnionClaims(union.Id, union.Name, union.ApiKeyHash), UnionSession.Scheme);
        await HttpContext.SignInAsync(UnionSession.Scheme, new ClaimsPrincipal(identity));
        logger.LogInformation("Union form: {Union} signed in", union.Name);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/write");
    }

    /// <summary>
    /// Emails a sign-in link to every union registered with this address (the email stage sends it,
    /// SignInLinkRequested). The answer never says whether the address is a union's.
    /// </summary>
    public async Task<IActionResult> OnPostLinkAsync(CancellationToken cancellationToken)
    {
        var email = Email?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(email) || !System.Net.Mail.MailAddress.TryCreate(email, out _))
        {
            EmailError = "Give your union's email address, as registered with Relay.";
            return Page();
        }
        var now = DateTime.UtcNow;
        var unions = await db.Unions.Where(u => u.Email.ToLower() == email && u.SuppressedAt == null).ToListAsync(cancellationToken);
        foreach (var union in unions.Where(u => u.SignInLinkSentAt is null || now - u.SignInLinkSentAt >= LinkInterval))
            db.Enqueue(new Relay.Contracts.SignInLinkRequested(union.Id, now));
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Union form: a sign-in link asked for; {Count} union(s) have that address", unions.Count);
        LinkAsked = true;
        return Page();
    }

    public async Task<IActionResult> OnPostSignOutAsync()
    {
        await HttpContext.SignOutAsync(UnionSession.Scheme);
        return LocalRedirect("/write/sign-in");
    }
}
