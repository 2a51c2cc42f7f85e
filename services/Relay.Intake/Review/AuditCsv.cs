using System.Globalization;
using System.Text;
using Relay.Storage;

namespace Relay.Intake.Review;

/// <summary>The audit log as CSV (RFC 4180), one row per act, oldest first.</summary>
public static class AuditCsv
{
    public const string Header = "at,actor,action,message,detail,reason";

    public static string Write(IEnumerable<AuditEntry> entries)
    {
        var csv = new StringBuilder(Header).Append("\r\n");
        foreach (var e in entries)
            csv.AppendJoin(',', [
                e.At.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), Cell(e.Actor), Cell(e.Action),
                e.MessageId?.ToString() ?? "", Cell(e.Detail), Cell(e.Reason)]).Append("\r\n");
        return csv.ToString();
    }

    /// <summary>
    /// Quoted when it holds a comma, quote or line break; a cell a spreadsheet would take for a
    /// formula (=, +, -, @, tab, CR at the start: a reason is free text) is prefixed with an apostrophe.
    /// </summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }
}
