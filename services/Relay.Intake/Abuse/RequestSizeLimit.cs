using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Relay.Intake.Abuse;

/// <summary>
/// Bodies larger than Intake:MaxRequestBytes are refused with 413 and problem details: at once when
/// Content-Length says so, otherwise by the server when the body grows past it while being read.
/// The largest valid message is far smaller (20,000 characters of body, 500 recipients).
/// </summary>
public static class RequestSizeLimit
{
    public static IApplicationBuilder UseRequestSizeLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var limit = context.RequestServices.GetRequiredService<IOptions<IntakeOptions>>().Value.MaxRequestBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = limit;
        if (context.Request.ContentLength > limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = 413, Title = "The request is too large.", Detail = $"The body has {context.Request.ContentLength} bytes; at most {limit} are accepted." },
            });
            return;
        }
        await next(context);
    });
}
