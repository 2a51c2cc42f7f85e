using Microsoft.EntityFrameworkCore;
using Relay.Intake.Auth;
using Relay.Storage;

namespace Relay.Intake.Operations;

/// <summary>How much work is where: messages and deliveries by status, and the outbox events not yet on the broker.</summary>
public sealed record PipelineCounts(
    IReadOnlyDictionary<string, int> Messages,
    IReadOnlyDictionary<string, int> Deliveries,
    int OutboxWaiting,
    DateTime? OldestOutboxEventAt);

public static class PipelineApi
{
    public static void MapPipeline(this WebApplication app) =>
        app.MapGet("/api/pipeline", CountAsync).RequireAuthorization(Policies.Coordinator);

    private static Task<PipelineCounts> CountAsync(RelayDb db, CancellationToken cancellationToken) => ReadAsync(db, cancellationToken);

    /// <summary>The counts, read once for the API and the coordinators' dashboard alike.</summary>
    public static async Task<PipelineCounts> ReadAsync(RelayDb db, CancellationToken cancellationToken)
    {
        var messages = await db.Messages.GroupBy(m => m.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var deliveries = await db.Deliveries.GroupBy(d => d.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var waiting = db.Outbox.Where(o => o.DispatchedAt == null);
        return new PipelineCounts(
            messages.ToDictionary(m => m.Key, m => m.Count),
            deliveries.ToDictionary(d => d.Key, d => d.Count),
            await waiting.CountAsync(cancellationToken),
            await waiting.MinAsync(o => (DateTime?)o.CreatedAt, cancellationToken));
    }
}
