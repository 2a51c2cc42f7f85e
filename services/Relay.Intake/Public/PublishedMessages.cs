using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake.Public;

/// <summary>A message as a reader sees it in one language: a translation, or the original when it has none in that language.</summary>
public sealed record PublishedText(string Language, string Title, string Body, bool IsOriginal, string? Origin, string? Provider)
{
    public string Direction => LanguageTags.IsRightToLeft(Language) ? "rtl" : "ltr";

    public IEnumerable<string> Paragraphs => Body.Replace("\r\n", "\n").Split("\n\n").Select(p => p.Trim()).Where(p => p.Length > 0);

    /// <summary>The first paragraph, cut at a word near 300 characters.</summary>
    public string Excerpt
    {
        get
        {
            var first = Paragraphs.FirstOrDefault() ?? "";
            if (first.Length <= 300)
                return first;
            var cut = first.LastIndexOf(' ', 300);
            return first[..(cut > 200 ? cut : 300)] + " …";
        }
    }
}

public sealed record PublishedMessage(SolidarityMessage Message, PublishedText Text, PublishedText Original)
{
    public IReadOnlyList<string> Languages =>
        Message.Translations.Select(t => t.Language).Prepend(Original.Language).Distinct().OrderBy(l => l).ToList();

    public static PublishedMessage In(SolidarityMessage message, string language)
    {
        var original = new PublishedText(message.Language ?? "und", message.Title, message.Body, true, null, null);
        var translation = message.Language == language ? null : message.Translations.FirstOrDefault(t => t.Language == language);
        var text = translation is null ? original
            : new PublishedText(translation.Language, translation.Title, translation.Body, false, translation.Origin, translation.Provider);
        return new PublishedMessage(message, text, original);
    }
}

/// <summary>Reads what the public site shows: published messages only.</summary>
public sealed class PublishedMessages(RelayDb db, IOptions<IntakeOptions> options)
{
    private IQueryable<SolidarityMessage> Published => db.Messages.AsNoTracking()
        .Where(m => m.PublishedAt != null && m.TakenDownAt == null)
        .Include(m => m.Sender)
        .Include(m => m.Recipients).ThenInclude(r => r.Union)
        .Include(m => m.Translations)
        .AsSplitQuery();

    public async Task<(IReadOnlyList<SolidarityMessage> Page, int Total)> NewestAsync(int page, CancellationToken cancellationToken)
    {
        var size = options.Value.PageSize;
        var total = await db.Messages.CountAsync(m => m.PublishedAt != null && m.TakenDownAt == null, cancellationToken);
        var items = await Published.OrderByDescending(m => m.PublishedAt).Skip((page - 1) * size).Take(size).ToListAsync(cancellationToken);
        return (items, total);
    }

    /// <summary>Published messages that can be read in a language (translated into it, or written in it).</summary>
    public async Task<IReadOnlyList<SolidarityMessage>> InLanguageAsync(string language, int count, CancellationToken cancellationToken) =>
        await Published.Where(m => m.Language == language || m.Translations.Any(t => t.Language == language))
            .OrderByDescending(m => m.PublishedAt).Take(count).ToListAsync(cancellationToken);

    public Task<SolidarityMessage?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        Published.FirstOrDefaultAsync(m => m.Id == id, cancellationToken);

    /// <summary>Every language some published message can be read in: the site's language menu.</summary>
    public async Task<IReadOnlyList<string>> LanguagesAsync(CancellationToken cancellationToken)
    {
        var originals = await db.Messages.Where(m => m.PublishedAt != null && m.TakenDownAt == null && m.Language != null).Select(m => m.Language!).Distinct().ToListAsync(cancellationToken);
        var translated = await db.Translations.Where(t => db.Messages.Any(m => m.Id == t.MessageId && m.PublishedAt != null && m.TakenDownAt == null))
            .Select(t => t.Language).Distinct().ToListAsync(cancellationToken);
        return originals.Union(translated).Append(options.Value.DefaultLanguage).Distinct().Order().ToList();
    }
}

/// <summary>The reader's language: the query (?lang=), then the cookie it sets, then Accept-Language, then the site default.</summary>
public static class ReaderLanguage
{
    public const string Cookie = "lang";

    public static string Resolve(HttpContext context, string fallback)
    {
        var query = context.Request.Query["lang"].ToString();
        if (LanguageTags.IsValid(query))
        {
            var language = LanguageTags.Normalize(query);
            context.Response.Cookies.Append(Cookie, language, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, MaxAge = TimeSpan.FromDays(365) });
            return language;
        }
        if (context.Request.Cookies[Cookie] is { } cookie && LanguageTags.IsValid(cookie))
            return LanguageTags.Normalize(cookie);
        var accepted = context.Request.GetTypedHeaders().AcceptLanguage
            .OrderByDescending(l => l.Quality ?? 1).Select(l => l.Value.ToString())
            .FirstOrDefault(LanguageTags.IsValid);
        return accepted is null ? fallback : LanguageTags.Primary(accepted);
    }
}
