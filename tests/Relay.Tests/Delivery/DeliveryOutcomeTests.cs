using MailKit.Net.Smtp;
using MimeKit;
using Relay.Delivery;

namespace Relay.Tests.Delivery;

public class DeliveryOutcomeTests
{
    [Fact]
    public void A_5xx_reply_is_permanent()
    {
        var error = new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable,
            new MailboxAddress("", "gone@unions.example"), "5.1.1 No such user");
        var outcome = DeliveryOutcome.Classify(error);
        Assert.True(outcome.Permanent);
        Assert.StartsWith("550 ", outcome.Detail);
    }

    [Fact]
    public void A_4xx_reply_is_temporary()
    {
        var error = new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.ErrorInProcessing, "4.3.0 Try again later");
        var outcome = DeliveryOutcome.Classify(error);
        Assert.False(outcome.Permanent);
        Assert.StartsWith("451 ", outcome.Detail);
    }

    [Fact]
    public void Connection_errors_are_temporary()
    {
        Assert.False(DeliveryOutcome.Classify(new IOException("connection reset")).Permanent);
        Assert.False(DeliveryOutcome.Classify(new System.Net.Sockets.SocketException(111)).Permanent);
        Assert.False(DeliveryOutcome.Classify(new SmtpProtocolException("unexpected end of stream")).Permanent);
    }

    [Fact]
    public void A_5xx_reply_outside_a_transaction_is_temporary()
    {
        // A relay refusing Relay itself (here at its greeting) is no verdict on the recipient.
        var error = new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.TransactionFailed, "5.3.2 Service not available");
        var outcome = DeliveryOutcome.Classify(error);
        Assert.False(outcome.Permanent);
        Assert.StartsWith("554 ", outcome.Detail);
    }

    [Fact]
    public void A_refused_relay_login_is_temporary_and_says_authentication_failed()
    {
        var outcome = DeliveryOutcome.Classify(new MailKit.Security.AuthenticationException("5.7.8 Authentication credentials invalid"));
        Assert.False(outcome.Permanent);
        Assert.Contains("authentication failed", outcome.Detail);
        Assert.Contains("5.7.8 Authentication credentials invalid", outcome.Detail);
    }
}
