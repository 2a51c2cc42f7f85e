using System.Globalization;
using Microsoft.Extensions.Options;

namespace Relay.Moderation.Screening;

/// <summary>
/// Akismet's <c>POST https://rest.akismet.com/1.1/comment-check</c>, a form of the message's original
/// and its sender (https://akismet.com/developers/detailed-docs/comment-check/).
/// </summary>
public class AkismetClient(HttpClient http, IOptions<AkismetOptions> options)
{
    private readonly AkismetOptions _options = options.Value;

    /// <summary>The answer as Akismet gave it; <see cref="Akismet.Judge"/> says what it means.</summary>
    /// <exception cref="ScreeningServiceException">No answer, or an error status (after retries for 408, 429 and 5xx).</exception>
    public async Task<AkismetAnswer> CheckAsync(AkismetComment comment, CancellationToken cancellationToken)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("api_key", _options.Key),
            new("blog", _options.Blog),
            new("user_ip", _options.UserIp),
            // "A message sent between just a few users", in the documentation's list of types.
            new("comment_type", "message"),
            new("comment_content", comment.Content),
            new("comment_date_gmt", comment.ReceivedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
            new("blog_lang", comment.Language.Split('-')[0]),
            new("blog_charset", "UTF-8"),
        };
        if (!string.IsNullOrWhiteSpace(comment.Author))
            fields.Add(new("comment_author", comment.Author));
        if (!string.IsNullOrWhiteSpace(comment.AuthorEmail))
            fields.Add(new("comment_author_email", comment.AuthorEmail));
        if (_options.IsTest)
            fields.Add(new("is_test", "true"));

        using var request = new HttpRequestMessage(HttpMethod.Post, "1.1/comment-check") { Content = new FormUrlEncodedContent(fields) };
        using var response = await ScreeningHttp.SendAsync(http, request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new ScreeningServiceException(body.Length == 0 ? $"{(int)response.StatusCode}" : $"{(int)response.StatusCode}: {ScreeningHttp.Excerpt(body)}");
        return new AkismetAnswer(body,
            Header(response, "X-akismet-pro-tip"), Header(response, "X-akismet-debug-help"), Header(response, "X-akismet-error"),
            Header(response, "X-akismet-alert-code"), Header(response, "X-akismet-alert-msg"));
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
