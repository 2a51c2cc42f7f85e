using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Relay.Translation.Providers.Apertium;

/// <summary>Ready only when APY lists its language pairs (GET /listPairs) within 5 seconds.</summary>
public sealed class ApertiumHealthCheck(ApertiumClient apertium) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            var pairs = await apertium.ListPairsAsync(timeout.Token);
            return HealthCheckResult.Healthy($"{pairs.Count} language pairs");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"Apertium APY does not answer: {e.Message}");
        }
    }
}
