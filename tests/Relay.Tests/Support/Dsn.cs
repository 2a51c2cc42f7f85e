using System.Text;
using MimeKit;

namespace Relay.Tests.Support;

/// <summary>Delivery status notifications as Postfix writes them (RFC 3464), for the bounce tests.</summary>
public static class Dsn
{
    /// <summary>A bounce of the email with <paramref name="originalMessageId"/> to <paramref name="recipient"/>.</summary>
    public static MimeMessage For(string recipient, string originalMessageId, string action = "failed", string status = "5.1.1",
        string diagnostic = "smtp; 550 5.1.1 <{0}>: Recipient address rejected: User unknown in virtual mailbox table")
    {
        var boundary = "B" + Guid.NewGuid().ToString("N");
        var raw = $"""
            Return-Path: <>
            From: MAILER-DAEMON@mx.unions.example.org (Mail Delivery System)
            To: relay@relay.localhost
            Subject: Undelivered Mail Returned to Sender
            Date: {DateTimeOffset.UtcNow:R}
            Message-Id: <{Guid.NewGuid():N}@mx.unions.example.org>
            Auto-Submitted: auto-replied
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"

            This is a MIME-encapsulated message.

            --{boundary}
            Content-Description: Notification
            Content-Type: text/plain; charset=us-ascii

            I'm sorry to have to inform you that your message could not
            be delivered to one or more recipients.

            <{recipient}>: host mx.unions.example.org said: 550 5.1.1 User unknown

            --{boundary}
            Content-Description: Delivery report
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.unions.example.org
            X-Postfix-Queue-ID: 4F1A2B3C4D
            Arrival-Date: {DateTimeOffset.UtcNow:R}

            Final-Recipient: rfc822; {recipient}
            Original-Recipient: rfc822;{recipient}
            Action: {action}
            Status: {status}
            Diagnostic-Code: {string.Format(diagnostic, recipient)}

            --{boundary}
            Content-Description: Undelivered Message Headers
            Content-Type: text/rfc822-headers

            From: "International Miners' Coordination" <relay@relay.localhost>
            To: <{recipient}>
            Subject: Carta de solidaridad
            Message-Id: <{originalMessageId}>

            --{boundary}--
            """.Replace("\n", "\r\n");
        return MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(raw)));
    }
}
