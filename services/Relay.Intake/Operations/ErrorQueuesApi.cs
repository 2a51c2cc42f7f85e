using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Relay.Intake.Auth;

namespace Relay.Intake.Operations;

public sealed record Replayed(string Queue, int Messages);

public static class ErrorQueuesApi
{
    public static void MapErrorQueues(this WebApplication app)
    {
        var errors = app.MapGroup("/api/errors").RequireAuthorization(Policies.Coordinator);
        errors.MapGet("/", ListAsync);
        errors.MapPost("/{queue}/replay", ReplayAsync);
    }

    /// <summary>Every _error queue with how many messages wait in it; 503 when the broker's management API does not answer.</summary>
    private static async Task<Results<Ok<IReadOnlyList<ErrorQueue>>, ProblemHttpResult>> ListAsync(ErrorQueues queues, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await queues.ListAsync(cancellationToken));
        }
        catch (HttpRequestException e)
        {
            return TypedResults.Problem(statusCode: 503, title: "The broker's management API does not answer.", detail: e.Message);
        }
    }

    private static async Task<Results<Ok<Replayed>, ProblemHttpResult>> ReplayAsync(string queue, ClaimsPrincipal user, ErrorQueues queues, CancellationToken cancellationToken)
    {
        if (!ErrorQueues.IsQueueName(queue))
            return TypedResults.Problem(statusCode: 400, title: "Not a queue name.", detail: $"'{queue}' is not the name of a Relay queue (such as deliver-message).");
        var moved = await queues.ReplayAsync(queue, ReviewApi.Actor(user), cancellationToken);
        return moved is { } count
            ? TypedResults.Ok(new Replayed(queue, count))
            : TypedResults.Problem(statusCode: 404, title: "No such queue.", detail: $"There is no queue {queue} with an error queue {queue}{ErrorQueues.Suffix}.");
    }
}
