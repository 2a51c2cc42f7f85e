using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Intake.Public;

/// <summary>A message as a reader sees it in one language: a translation, or the original when it has none in that language.</summary>
public sealed record PublishedText(string Language, string Title, string Body, bool IsOriginal, string? Origin, string? Provider, string? Path = null)
{
    public string Direction => LanguageTags.IsRightToLeft(Language) ? "rtl" : "ltr";

    /// <summary>The languages a pivoted translation went through between the original and this one (fr>es>pt gives es); empty when direct.</summary>
    public IReadOnlyList<string> PivotLanguages => Path is { Length: > 0 } path ? path.Split('>').Skip(1).SkipLast(1).ToList() : [];

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
            : new PublishedText(translation.Language, translation.Title, translation.Body, false, translation.Origin, translation.Provider, translation.Path);
        return new PublishedMessage(message, text, original);
    }
}

/// <summary>What the index and the feeds can be narrowed to: messages to one recipient union, or messages from or to unions of one country.</summary>
public sealed record PublicFilter(Guid? Union = null, string? Country = null)
{
    public static PublicFilter None { get; } = new();
    public bool IsEmpty => Union is null && Country is null;
}

/// <summary>A union or a country the index can be filtered by.</summary>
public sealed record FilterChoice(string Value, string Name);

/// <summary>One line of the public takedown log: when, whose message, and why; never the content.</summary>
public sealed record TakedownEntry(DateTime TakenDownAt, string SenderName, string Reason);

/// <summary>Reads what the public site shows: published messages only (never one taken down).</summary>
public sealed class PublishedMessages(RelayDb db, IOptions<IntakeOptions> options)
{
    private IQueryable<SolidarityMessage> Visible => db.Messages.AsNoTracking().Where(m => m.PublishedAt != null && m.TakenDownAt == null);

    private static IQueryable<SolidarityMessage> WithEverything(IQueryable<SolidarityMessage> messages) => messages
        .Include(m => m.Sender).Include(m => m.Supporter)
        .Include(m => m.Recipients).ThenInclude(r => r.Union)
        .Include(m => m.Translations)
        .AsSplitQuery();

    private async Task<IQueryable<SolidarityMessage>> FilteredAsync(IQueryable<SolidarityMessage> messages, PublicFilter filter, CancellationToken cancellationToken)
    {
        if (filter.Union is { } union)
            messages = messages.Where(m => m.Recipients.Any(r => r.UnionId == union));
        if (filter.Country is { } country)
        {
            // The country's unions first (a handful), then the messages they sent or received as one
            // uncorrelated set, instead of joining every message to its sender and recipients.
            var unions = await db.Unions.Where(u => u.Country == country).Select(u => u.Id).ToListAsync(cancellationToken);
            var senders = unions.Select(u => (Guid?)u).ToList();
            var received = db.Recipients.Where(r => unions.Contains(r.UnionId)).Select(r => r.MessageId);
            messages = messages.Where(m => senders.Contains(m.SenderUnionId) || received.Contains(m.Id));
        }
        return messages;
    }

    public async Task<(IReadOnlyList<SolidarityMessage> Page, int Total)> NewestAsync(int page, PublicFilter filter, CancellationToken cancellationToken)
    {
        var size = options.Value.PageSize;
        var matching = await FilteredAsync(Visible, filter, cancellationToken);
        var total = await matching.CountAsync(cancellationToken);
        var items = await WithEverything(matching.OrderByDescending(m => m.PublishedAt).Skip((page - 1) * size).Take(size)).ToListAsync(cancellationToken);
        return (items, total);
    }

    /// <summary>Published messages that can be read in a language (translated into it, or written in it).</summary>
    public async Task<IReadOnlyList<SolidarityMessage>> InLanguageAsync(string language, int count, PublicFilter filter, CancellationToken cancellationToken) =>
        await WithEverything((await FilteredAsync(Visible, filter, cancellationToken)).Where(m => m.Language == language || m.Translations.Any(t => t.Language == language))
            .OrderByDescending(m => m.PublishedAt).Take(count)).ToListAsync(cancellationToken);

    public Task<SolidarityMessage?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        WithEverything(Visible).FirstOrDefaultAsync(m => m.Id == id, cancellationToken);

    /// <summary>Every language some published message can be read in: the site's language menu.</summary>
    /// <remarks>
    /// Asked language by language (the few there are, from the Language indexes) whether a visible message
    /// is written or translated in it, rather than reading the language of every published message.
    /// </remarks>
    public async Task<IReadOnlyList<string>> LanguagesAsync(CancellationToken cancellationToken)
    {
        // GROUP BY … HAVING: EF would move a Where after Distinct() inside the DISTINCT, asking once per row.
        // The key is made non-null for EF, or it compares "or both are null" and SQLite cannot use the index.
        var originals = await db.Messages.Where(m => m.Language != null).GroupBy(m => m.Language ?? "").Select(g => g.Key)
            .Where(l => Visible.Any(m => m.Language == l)).ToListAsync(cancellationToken);
        var translated = await db.Translations.GroupBy(t => t.Language).Select(g => g.Key)
            .Where(l => db.Translations.Any(t => t.Language == l && Visible.Any(m => m.Id == t.MessageId))).ToListAsync(cancellationToken);
        return originals.Union(translated).Append(options.Value.DefaultLanguage).Distinct().Order().ToList();
    }

    /// <summary>The unions that published messages were sent to, by name.</summary>
    public async Task<IReadOnlyList<FilterChoice>> RecipientUnionsAsync(CancellationToken cancellationToken) =>
        (await db.Unions.AsNoTracking().Where(u => u.ErasedAt == null && db.Recipients.Any(r => r.UnionId == u.Id && Visible.Any(m => m.Id == r.MessageId)))
            .Select(u => new { u.Id, u.Name }).ToListAsync(cancellationToken))
        .Select(u => new FilterChoice(u.Id.ToString(), u.Name)).OrderBy(u => u.Name, StringComparer.CurrentCultureIgnoreCase).ToList();

    /// <summary>The countries of the unions that sent or received published messages (ISO 3166 codes).</summary>
    /// <remarks>Asked union by union (a few hundred index lookups) rather than reading the sender and recipients of every published message.</remarks>
    public async Task<IReadOnlyList<string>> CountriesAsync(CancellationToken cancellationToken) =>
        (await db.Unions.AsNoTracking()
            .Where(u => Visible.Any(m => m.SenderUnionId == u.Id) || db.Recipients.Any(r => r.UnionId == u.Id && Visible.Any(m => m.Id == r.MessageId)))
            .Select(u => u.Country).Distinct().ToListAsync(cancellationToken))
        .Order().ToList();

    /// <summary>
    /// When anything the public pages and feeds show last changed: a publication, a takedown, a
    /// translation or a coordinator's edit. Read before rendering, so that a conditional GET is
    /// answered 304 without loading the messages.
    /// </summary>
    public async Task<(DateTime At, int Count)> VersionAsync(CancellationToken cancellationToken)
    {
        var published = db.Messages.AsNoTracking().Where(m => m.PublishedAt != null);
        var count = await Visible.CountAsync(cancellationToken);
        var latest = new[]
        {
            await published.OrderByDescending(m => m.PublishedAt).Select(m => m.PublishedAt).FirstOrDefaultAsync(cancellationToken),
            await published.OrderByDescending(m => m.UpdatedAt).Select(m => (DateTime?)m.UpdatedAt).FirstOrDefaultAsync(cancellationToken),
            await published.Where(m => m.TakenDownAt != null).OrderByDescending(m => m.TakenDownAt).Select(m => m.TakenDownAt).FirstOrDefaultAsync(cancellationToken),
            // Newest first down the At index, stopping at the first of a published message. Asked as a scalar
            // subquery, not EXISTS: SQLite turns an EXISTS into a join and builds a Bloom filter over every message first.
            await db.Translations.AsNoTracking()
                .Where(t => db.Messages.Where(m => m.Id == t.MessageId).Select(m => m.PublishedAt).FirstOrDefault() != null)
                .OrderByDescending(t => t.At).Select(t => (DateTime?)t.At).FirstOrDefaultAsync(cancellationToken),
        };
        return (latest.Max() ?? DateTime.UnixEpoch, count);
    }

    /// <summary>What was taken down from the public site, newest first: the date, the sending union and the reason.</summary>
    public async Task<IReadOnlyList<TakedownEntry>> TakedownsAsync(int count, CancellationToken cancellationToken) =>
        await db.Messages.AsNoTracking().Where(m => m.TakenDownAt != null)
            .OrderByDescending(m => m.TakenDownAt).Take(count)
            .Select(m => new TakedownEntry(m.TakenDownAt!.Value, m.Sender != null ? m.Sender.Name : m.Supporter!.Name, m.TakedownReason ?? ""))
            .ToListAsync(cancellationToken);
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
