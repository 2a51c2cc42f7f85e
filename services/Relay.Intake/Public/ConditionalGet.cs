using System.Security.Cryptography;
using System.Text;
using Microsoft.Net.Http.Headers;

namespace Relay.Intake.Public;

/// <summary>
/// Validators and cache headers for the public pages and feeds: an ETag and Last-Modified drawn from
/// the data a response shows (not from the rendered bytes), so a conditional GET that matches is
/// answered 304 before anything is loaded or rendered.
/// </summary>
public static class ConditionalGet
{
    /// <summary>Short enough that a takedown leaves shared caches within a minute.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Sets ETag, Last-Modified, Cache-Control and Vary on the response, and says whether the request's
    /// If-None-Match (or, without it, If-Modified-Since) shows the client already has this version.
    /// </summary>
    /// <param name="lastModified">When the data shown last changed (UTC).</param>
    /// <param name="parts">Everything else the response depends on: the reader's language, the filters, the page.</param>
    public static bool IsNotModified(HttpContext context, DateTime lastModified, params object?[] parts)
    {
        var seconds = new DateTimeOffset(DateTime.SpecifyKind(lastModified, DateTimeKind.Utc)).ToUnixTimeSeconds();
        var modified = DateTimeOffset.FromUnixTimeSeconds(seconds);
        var seed = string.Join('\n', parts.Prepend(lastModified.Ticks).Select(p => p?.ToString() ?? ""));
        var tag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed)))[..20]}\"");

        var response = context.Response.GetTypedHeaders();
        response.ETag = tag;
        response.LastModified = modified;
        response.CacheControl = new CacheControlHeaderValue { Public = true, MaxAge = MaxAge };
        // The language can come from the cookie or Accept-Language, not only from the address.
        context.Response.Headers.Vary = "Accept-Language, Cookie";

        var request = context.Request.GetTypedHeaders();
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            return false;
        if (request.IfNoneMatch is { Count: > 0 } candidates)
            return candidates.Any(c => c.Equals(EntityTagHeaderValue.Any) || c.Compare(tag, useStrongComparison: false));
        return request.IfModifiedSince is { } since && modified <= since;
    }
}
