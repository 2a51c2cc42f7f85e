using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Relay.Intake.Auth;
using Relay.Storage;

namespace Relay.Intake.Pages.Write;

/// <summary>
/// The unions' submission form. The directory is narrowed server-side by <c>?q=</c>; a submission
/// goes through <see cref="MessageSubmission"/>, as POST /api/messages does, with the form's hidden
/// key as its idempotency key so a double click submits once.
/// </summary>
public class IndexModel(RelayDb db, MessageSubmission submission) : PageModel
{
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

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var sender = await db.Unions.AsNoTracking().FirstAsync(u => u.Id == User.UnionId(), cancellationToken);
        Language = sender.PreferredLanguage;
        FormKey = Guid.NewGuid().ToString("N");
        await LoadDirectoryAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var request = new SubmitMessageRequest(
            Recipients.Select(r => r.ToString()).ToList(), Title, Body,
            string.IsNullOrWhiteSpace(Language) ? null : Language.Trim(),
            string.IsNullOrWhiteSpace(Author) ? null : Author, Publish);
        var key = string.IsNullOrWhiteSpace(FormKey) ? null : "form:" + FormKey.Trim();
        switch (await submission.SubmitAsync(User.UnionId()!.Value, request, key, cancellationToken))
        {
            case SubmissionResult.Accepted accepted:
                return RedirectToPage("/Write/Message", new { id = accepted.Message.Id });
            case SubmissionResult.Invalid invalid:
                Errors = invalid.Validation.Errors;
                Response.StatusCode = StatusCodes.Status400BadRequest;
                await LoadDirectoryAsync(cancellationToken);
                return Page();
            default:
                throw new InvalidOperationException("A submission is accepted or invalid.");
        }
    }

    public IReadOnlyList<string> ErrorsFor(string field) => Errors.TryGetValue(field, out var list) ? list : [];

    /// <summary>Errors not tied to a field the form shows.</summary>
    public IEnumerable<string> OtherErrors => Errors
        .Where(e => e.Key is not ("recipients" or "title" or "body" or "language" or "author"))
        .SelectMany(e => e.Value);

    private async Task LoadDirectoryAsync(CancellationToken cancellationToken)
    {
        // The directory is small (unions, not people): narrowed here rather than in SQL, so the
        // match is the same, case- and accent-insensitive, on SQLite and PostgreSQL.
        var all = await db.Unions.AsNoTracking().OrderBy(u => u.Name)
            .Select(u => new UnionListing(u.Id, u.Name, u.Country, u.Languages))
            .ToListAsync(cancellationToken);
        var sender = User.UnionId();
        all = all.Where(u => u.Id != sender).ToList();
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
