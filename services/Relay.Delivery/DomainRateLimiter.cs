using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Relay.Delivery;

/// <summary>
/// At most Delivery:PerDomainPerMinute emails a minute to any one recipient domain from this
/// worker, so a large campaign to many unions on one provider does not get Relay blocked there.
/// A delivery over the limit waits in the database (pending, with its next attempt) like a
/// deferred one; it is not an attempt and never fails because of the limit.
/// </summary>
public sealed class DomainRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;

    public DomainRateLimiter(IOptions<DeliveryOptions> options)
    {
        var limit = options.Value.PerDomainPerMinute;
        if (limit > 0)
            _limiter = PartitionedRateLimiter.Create<string, string>(domain => RateLimitPartition.GetFixedWindowLimiter(domain,
                _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    /// <summary>Null when an email to the address may go now; otherwise how long to wait.</summary>
    public TimeSpan? WaitBefore(string address)
    {
        if (_limiter is null)
            return null;
        using var lease = _limiter.AttemptAcquire(DomainOf(address));
        if (lease.IsAcquired)
            return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
    }

    public static string DomainOf(string address) => address[(address.LastIndexOf('@') + 1)..].ToLowerInvariant();

    public void Dispose() => _limiter?.Dispose();
}
