using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Relay.Intake.Auth;
using Relay.Storage;

namespace Relay.Intake.Pages.Write;

/// <summary>A union's API key, once, for a session cookie carrying the same claims as the API key would.</summary>
public class SignInModel(RelayDb db, ILogger<SignInModel> logger) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    [BindProperty] public string? Key { get; set; }
    public string? Error { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Key))
        {
            Error = "Give your union's API key.";
            return Page();
        }
        var hash = ApiKeys.Hash(Key.Trim());
        var union = await db.Unions.AsNoTracking().Where(u => u.ApiKeyHash == hash).Select(u => new { u.Id, u.Name })
            .FirstOrDefaultAsync(cancellationToken);
        if (union is null)
        {
            logger.LogWarning("Union form: a sign-in with an unknown key from {Address}", HttpContext.Connection.RemoteIpAddress);
            Error = "That is not a union's API key.";
            return Page();
        }
        var identity = new ClaimsIdentity(ApiKeyAuthentication.UnionClaims(union.Id, union.Name), UnionSession.Scheme);
        await HttpContext.SignInAsync(UnionSession.Scheme, new ClaimsPrincipal(identity));
        logger.LogInformation("Union form: {Union} signed in", union.Name);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/write");
    }

    public async Task<IActionResult> OnPostSignOutAsync()
    {
        await HttpContext.SignOutAsync(UnionSession.Scheme);
        return LocalRedirect("/write/sign-in");
    }
}
