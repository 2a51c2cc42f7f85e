using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Relay.Intake.Auth;

namespace Relay.Intake.Abuse;

/// <summary>The "RateLimits" section: how much one key, one address or one public form may ask for.</summary>
public class RateLimitOptions
{
    public bool Enabled { get; set; } = true;
    /// <summary>Requests a minute from one key (a union's or a coordinator's), with bursts up to the same number.</summary>
    public int PerKeyPerMinute { get; set; } = 600;
    /// <summary>Requests a minute from one IP address without a key (the public site, sign-in pages).</summary>
    public int PerAddressPerMinute { get; set; } = 300;
    /// <summary>
    /// Submissions of the forms that send an email to an address the person typed (the supporters'
    /// form, the sign-in link), from one IP address in 10 minutes.
    /// </summary>
    public int FormPostsPerTenMinutes { get; set; } = 20;
    /// <summary>Messages waiting for confirmation at one address: more would let the form flood someone's inbox.</summary>
    public int UnconfirmedPerAddress { get; set; } = 3;
    /// <summary>Recipients one union may address in 24 hours, across its messages (a campaign to the whole directory fits).</summary>
    public int RecipientsPerUnionPerDay { get; set; } = 5000;
}

/// <summary>
/// ASP.NET Core rate limiting: every request counts against its key, or against its IP address when
/// it has none; the public forms that email someone have a tighter limit of their own. A refusal is
/// 429 with Retry-After and problem details. The health endpoints are never limited.
/// </summary>
public static class RateLimits
{
    public const string EmailingForms = "emailing-forms";

    public static IServiceCollection AddRelayRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration("RateLimits")
            .Validate(o => o.PerKeyPerMinute > 0 && o.PerAddressPerMinute > 0 && o.FormPostsPerTenMinutes > 0 && o.UnconfirmedPerAddress > 0 && o.RecipientsPerUnionPerDay > 0,
                "RateLimits: every limit must be above zero (RateLimits:Enabled=false turns them off)")
            .ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var options = Options(context);
                if (!options.Enabled)
                    return RateLimitPartition.GetNoLimiter("off");
                var key = KeyOf(context.User);
                var perMinute = key is null ? options.PerAddressPerMinute : options.PerKeyPerMinute;
                return RateLimitPartition.GetTokenBucketLimiter(key ?? "ip:" + AddressOf(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perMinute,
                    TokensPerPeriod = Math.Max(1, perMinute / 60),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                });
            });
            limiter.AddPolicy(EmailingForms, context =>
            {
                var options = Options(context);
                if (!options.Enabled || !HttpMethods.IsPost(context.Request.Method))
                    return RateLimitPartition.GetNoLimiter("off");
                return RateLimitPartition.GetFixedWindowLimiter("form:" + AddressOf(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.FormPostsPerTenMinutes,
                    Window = TimeSpan.FromMinutes(10),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var context = rejected.HttpContext;
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(60);
                var seconds = (int)Math.Ceiling(Math.Max(1, wait.TotalSeconds));
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RateLimits))
                    .LogWarning("Rate limit reached by {Who} on {Path}", KeyOf(context.User) ?? "ip:" + AddressOf(context), context.Request.Path);
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = { Status = 429, Title = "Too many requests.", Detail = $"Too many requests from this key or address; try again in {seconds} seconds." },
                });
            };
        });
        return services;
    }

    private static RateLimitOptions Options(HttpContext context) =>
        context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<RateLimitOptions>>().CurrentValue;

    /// <summary>The key a request was made with: a union (its id) or a coordinator; null without one.</summary>
    private static string? KeyOf(ClaimsPrincipal user) =>
        user.UnionId() is { } union ? "union:" + union
        : user.IsCoordinator() ? "coordinator:" + user.Identity?.Name
        : null;

    private static string AddressOf(HttpContext context) => (context.Connection.RemoteIpAddress ?? IPAddress.None).ToString();
}
