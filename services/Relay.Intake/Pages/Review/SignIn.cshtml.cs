using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Relay.Intake.Auth;
using Relay.Storage;

namespace Relay.Intake.Pages.Review;

/// <summary>The coordinator key, once, for a session cookie; the name given is who the audit log says acted.</summary>
public class SignInModel(RelayDb db, ILogger<SignInModel> logger) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Key { get; set; }
    public string? Error { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var name = Name?.Trim();
        if (string.IsNullOrEmpty(name) || string.IsNullOrWhiteSpace(Key))
        {
            Error = "Give your name and your coordinator key.";
            return Page();
        }
        var hash = ApiKeys.Hash(Key.Trim());
        var key = await db.CoordinatorKeys.AsNoTracking().FirstOrDefaultAsync(k => k.KeyHash == hash, cancellationToken);
        if (key is null)
        {
            logger.LogWarning("Review desk: a sign-in as {Name} with an unknown key from {Address}", name, HttpContext.Connection.RemoteIpAddress);
            Error = "That is not a coordinator key.";
            return Page();
        }
        var identity = new ClaimsIdentity([
            new Claim(ClaimTypes.Name, name[..Math.Min(name.Length, 100)]),
            new Claim(ClaimTypes.Role, Roles.Coordinator),
            new Claim(SessionValidation.CoordinatorKeyClaim, key.Id.ToString()),
        ], ReviewSession.Scheme);
        await HttpContext.SignInAsync(ReviewSession.Scheme, new ClaimsPrincipal(identity));
        logger.LogInformation("Review desk: {Name} signed in", name);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/review");
    }

    public async Task<IActionResult> OnPostSignOutAsync()
    {
        await HttpContext.SignOutAsync(ReviewSession.Scheme);
        return LocalRedirect("/review/sign-in");
    }
}
