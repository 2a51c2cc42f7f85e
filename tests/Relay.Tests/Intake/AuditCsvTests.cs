using Relay.Intake.Review;
using Relay.Storage;

namespace Relay.Tests.Intake;

public class AuditCsvTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a, b", "\"a, b\"")]
    [InlineData("say \"no\"", "\"say \"\"no\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+49 30", "'+49 30")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("", "")]
    public void A_cell_is_quoted_when_needed_and_never_read_as_a_formula(string value, string cell) =>
        Assert.Equal(cell, AuditCsv.Cell(value));

    [Fact]
    public void Rows_follow_the_header_in_order_with_times_in_utc()
    {
        var id = Guid.NewGuid();
        var csv = AuditCsv.Write([
            new AuditEntry { Id = Guid.NewGuid(), At = new DateTime(2026, 11, 23, 9, 5, 0, DateTimeKind.Utc), Actor = "rules", Action = "hold", MessageId = id, Reason = "links: 5 links, more than 3" },
            new AuditEntry { Id = Guid.NewGuid(), At = new DateTime(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc), Actor = "Ana Weber", Action = "edit-translation", MessageId = id, Detail = "es translation: body" },
        ]);

        Assert.Equal(
            "at,actor,action,message,detail,reason\r\n" +
            $"2026-11-23T09:05:00Z,rules,hold,{id},,links: 5 links, more than 3\r\n".Replace("links: 5 links, more than 3", "\"links: 5 links, more than 3\"") +
            $"2026-11-23T10:00:00Z,Ana Weber,edit-translation,{id},es translation: body,\r\n",
            csv);
    }
}
