using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Relay.Storage;

namespace Relay.Intake.Auth;

/// <summary>
/// A page session lasts only as long as the key it was opened with: on every request the session's
/// key is looked up again, so rotating or revoking a union's key, or revoking a coordinator key,
/// ends the sessions opened with it at once.
/// </summary>
public static class SessionValidation
{
    /// <summary>The first characters of the key's hash: which key opened the session, without the key.</summary>
    public const string KeyStampClaim = "key_stamp";
    public const string CoordinatorKeyClaim = "coordinator_key";

    public static string StampOf(string keyHash) => keyHash[..16];

    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var user = context.Principal!;
        var db = context.HttpContext.RequestServices.GetRequiredService<RelayDb>();
        var cancellationToken = context.HttpContext.RequestAborted;
        var valid = user.IsCoordinator()
            ? Guid.TryParse(user.FindFirstValue(CoordinatorKeyClaim), out var keyId) && await db.CoordinatorKeys.AnyAsync(k => k.Id == keyId, cancellationToken)
            : user.UnionId() is { } union && user.FindFirstValue(KeyStampClaim) is { } stamp
              && await db.Unions.Where(u => u.Id == union).Select(u => u.ApiKeyHash).FirstOrDefaultAsync(cancellationToken) is { } hash
              && StampOf(hash) == stamp;
        if (!valid)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(context.Scheme.Name);
        }
    }
}
