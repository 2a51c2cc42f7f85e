using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Relay.Storage;

namespace Relay.Intake.Pages.Review;

/// <summary>The latest audit entries with the titles of the messages they concern.</summary>
public class AuditModel(RelayDb db) : PageModel
{
    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];
    public IReadOnlyDictionary<Guid, string> Titles { get; private set; } = new Dictionary<Guid, string>();

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Entries = await db.AuditLog.AsNoTracking().OrderByDescending(a => a.At).Take(500).ToListAsync(cancellationToken);
        var ids = Entries.Select(a => a.MessageId).OfType<Guid>().Distinct().ToList();
        Titles = await db.Messages.AsNoTracking().Where(m => ids.Contains(m.Id)).ToDictionaryAsync(m => m.Id, m => m.Title, cancellationToken);
    }
}
