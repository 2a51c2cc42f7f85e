using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Relay.Delivery;

/// <summary>Ready only when the SMTP server greets us and takes EHLO (and the sign-in, when configured), within 5 seconds.</summary>
public sealed class SmtpHealthCheck(SmtpConnectionPool smtp) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await smtp.CheckAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The SMTP server does not answer: {e.Message}");
        }
    }
}
