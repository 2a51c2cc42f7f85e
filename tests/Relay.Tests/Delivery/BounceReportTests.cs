using MimeKit;
using Relay.Delivery.Bounces;
using Relay.Tests.Support;

namespace Relay.Tests.Delivery;

public class BounceReportTests
{
    [Fact]
    public void A_postfix_bounce_names_the_recipient_the_status_and_the_email_that_bounced()
    {
        var notice = Assert.Single(BounceReport.Read(Dsn.For("Office@Unions.Example.org", "abc.def@relay.localhost")));

        Assert.Equal(("office@unions.example.org", "failed", "5.1.1", "abc.def@relay.localhost"), (notice.Address, notice.Action, notice.Status, notice.OriginalMessageId));
        Assert.Contains("User unknown", notice.Diagnostic);
        Assert.True(notice.Hard);
    }

    [Fact]
    public void A_delay_notice_or_a_temporary_failure_is_not_a_hard_bounce()
    {
        Assert.False(Assert.Single(BounceReport.Read(Dsn.For("a@unions.example.org", "x@relay.localhost", action: "delayed", status: "4.4.1"))).Hard);
        Assert.False(Assert.Single(BounceReport.Read(Dsn.For("a@unions.example.org", "x@relay.localhost", action: "failed", status: "4.2.2"))).Hard);
    }

    [Fact]
    public void The_same_notification_read_twice_has_the_same_key_and_another_has_another()
    {
        var dsn = Dsn.For("a@unions.example.org", "x@relay.localhost");

        Assert.Equal(BounceReport.Read(dsn)[0].Key, BounceReport.Read(dsn)[0].Key);
        Assert.NotEqual(BounceReport.Read(dsn)[0].Key, BounceReport.Read(Dsn.For("a@unions.example.org", "x@relay.localhost"))[0].Key);
    }

    [Fact]
    public void An_ordinary_reply_is_not_a_bounce()
    {
        var reply = new MimeMessage { Subject = "Re: Carta de solidaridad", Body = new TextPart("plain") { Text = "¡Gracias, compañeros!" } };
        reply.From.Add(new MailboxAddress("Sintracarbón", "office@unions.example.org"));

        Assert.Empty(BounceReport.Read(reply));
    }
}
