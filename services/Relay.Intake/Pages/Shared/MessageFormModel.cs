using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Relay.Storage;

namespace Relay.Intake.Pages.Shared;

/// <summary>
/// What the unions' form and the supporters' form share: the message's fields, the directory
/// narrowed server-side by a search that keeps what was typed (the search is a button of the same
/// form), the errors by field, and the form's hidden key, used as the idempotency key so a double
/// click submits once.
/// </summary>
public abstract class MessageFormModel(RelayDb db) : PageModel
{
    protected RelayDb Db { get; } = db;

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty] public string? Title { get; set; }
    [BindProperty] public string? Body { get; set; }
    [BindProperty] public string? Language { get; set; }
    [BindProperty] public string? Author { get; set; }
    [BindProperty] public bool Publish { get; set; }
    [BindProperty] public List<Guid> Recipients { get; set; } = [];
    [BindProperty] public string? FormKey { get; set; }

    /// <summary>The directory as shown: the unions the search matches, and any already chosen.</summary>
    public IReadOnlyList<UnionListing> Directory { get; private set; } = [];
    public int DirectorySize { get; private set; }
    public IReadOnlyList<UnionListing> Chosen { get; private set; } = [];
    public IReadOnlyDictionary<string, List<string>> Errors { get; private set; } = new Dictionary<string, List<string>>();

    /// <summary>The form's own address, which the search button posts to with <c>?handler=search</c>.</summary>
    public abstract string FormPath { get; }

    /// <summary>The fields this form shows, so that an error on any other is listed at the top.</summary>
    protected virtual IReadOnlyCollection<string> Fields => ["recipients", "title", "body", "language", "author"];

    /// <summary>A union does not write to itself.</summary>
    protected virtual Guid? Writer => null;

    /// <summary>Narrows the directory and shows the form again with everything typed so far.</summary>
    public async Task<IActionResult> OnPostSearchAsync(CancellationToken cancellationToken)
    {
        ModelState.Clear();
        await LoadDirectoryAsync(cancellationToken);
        return Page();
    }

    protected SubmitMessageRequest MessageRequest() => new(
        Recipients.Select(r => r.ToString()).ToList(), Title, Body,
        string.IsNullOrWhiteSpace(Language) ? null : Language.Trim(),
        string.IsNullOrWhiteSpace(Author) ? null : Author, Publish);

    protected string? IdempotencyKey => string.IsNullOrWhiteSpace(FormKey) ? null : "form:" + FormKey.Trim();

    /// <summary>The form again, 400, each error next to its field.</summary>
    protected async Task<IActionResult> ShowErrorsAsync(Validation validation, CancellationToken cancellationToken)
    {
        Errors = validation.Errors;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadDirectoryAsync(cancellationToken);
        return Page();
    }

    /// <summary>The result of a submission the page does not handle itself: an invalid one or one over a limit, shown at the top.</summary>
    protected async Task<IActionResult> ShowRefusalAsync(SubmissionResult result, CancellationToken cancellationToken) => result switch
    {
        SubmissionResult.Invalid invalid => await ShowErrorsAsync(invalid.Validation, cancellationToken),
        SubmissionResult.Limited limited => await ShowErrorsAsync(new Validation().Add("limit", limited.Detail), cancellationToken),
        _ => throw new InvalidOperationException($"Not a refusal: {result}"),
    };

    public IReadOnlyList<string> ErrorsFor(string field) => Errors.TryGetValue(field, out var list) ? list : [];

    /// <summary>Errors not tied to a field the form shows.</summary>
    public IEnumerable<string> OtherErrors => Errors.Where(e => !Fields.Contains(e.Key)).SelectMany(e => e.Value);

    /// <summary>The ids a field's <c>aria-describedby</c> names: its hint and its error, when it has them.</summary>
    public string? DescribedBy(string field, string? hint = null)
    {
        var ids = new List<string>();
        if (hint is not null) ids.Add(hint);
        if (ErrorsFor(field).Count > 0) ids.Add($"{field}-error");
        return ids.Count == 0 ? null : string.Join(' ', ids);
    }

    public string Invalid(string field) => ErrorsFor(field).Count > 0 ? "true" : "false";

    protected async Task LoadDirectoryAsync(CancellationToken cancellationToken)
    {
        // The directory is small (unions, not people): narrowed here rather than in SQL, so the
        // match is the same, case- and accent-insensitive, on SQLite and PostgreSQL.
        var all = await Db.Unions.AsNoTracking().Where(u => u.ErasedAt == null).OrderBy(u => u.Name)
            .Select(u => new UnionListing(u.Id, u.Name, u.Country, u.Languages))
            .ToListAsync(cancellationToken);
        all = all.Where(u => u.Id != Writer).ToList();
        DirectorySize = all.Count;
        Chosen = all.Where(u => Recipients.Contains(u.Id)).ToList();
        Directory = all.Where(u => Recipients.Contains(u.Id) || Matches(u, Q)).ToList();
    }

    public static bool Matches(UnionListing union, string? query)
    {
        if (string.IsNullOrWhiteSpace(query))
            return true;
        var compare = System.Globalization.CultureInfo.InvariantCulture.CompareInfo;
        const System.Globalization.CompareOptions options = System.Globalization.CompareOptions.IgnoreCase | System.Globalization.CompareOptions.IgnoreNonSpace;
        return query.Split(' ', StringSplitOptions.RemoveEmptyEntries).All(word =>
            compare.IndexOf(union.Name, word, options) >= 0
            || union.Country.Equals(word, StringComparison.OrdinalIgnoreCase)
            || union.Languages.Any(l => l.Equals(word, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>The language a recipient receives the message in: its preferred one, first of its list (as delivery chooses).</summary>
    public static string Receives(UnionListing union) => union.Languages.Count > 0 ? union.Languages[0] : "en";
}
