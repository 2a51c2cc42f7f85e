using Microsoft.AspNetCore.Diagnostics;
using Relay.Storage;

namespace Relay.Intake;

/// <summary>
/// The database not answering (PostgreSQL restarting, SQLite locked past its timeout) is not the
/// client's fault and not a bug: answer 503 with Retry-After, so a client sends the same request
/// again (with the same Idempotency-Key) instead of giving up on a 500. Nothing was stored: the
/// message and its event are written in one transaction or not at all.
/// </summary>
public sealed class StorageUnavailableExceptionHandler(IProblemDetailsService problems, ILogger<StorageUnavailableExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!StorageFailures.IsUnavailable(exception))
            return false;
        logger.LogWarning("The database did not answer {Method} {Path}: {Error}", context.Request.Method, context.Request.Path, exception.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Relay's database is not available right now.",
                Detail = "Nothing was stored. Send the same request again in a few seconds (with the same Idempotency-Key).",
            },
        });
    }
}
