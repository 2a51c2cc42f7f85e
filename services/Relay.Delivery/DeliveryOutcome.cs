using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Relay.Delivery;

/// <summary>How a failed send is recorded: permanent failures are not retried, temporary ones are.</summary>
public sealed record DeliveryOutcome(bool Permanent, string Detail)
{
    /// <summary>
    /// A 5xx reply refusing the sender, a recipient or the message is permanent. Everything else is
    /// temporary: 4xx replies, broken conversations, connection errors, and the relay refusing Relay
    /// itself (wrong credentials, a certificate that does not validate, another 5xx outside a
    /// transaction): those are configuration problems, and deferring loses nothing once they are fixed.
    /// </summary>
    public static DeliveryOutcome Classify(Exception error) => error switch
    {
        SmtpCommandException { StatusCode: var code, ErrorCode: not SmtpErrorCode.UnexpectedStatusCode } e when (int)code >= 500 =>
            new(true, $"{(int)code} {e.Message} ({e.ErrorCode})"),
        SmtpCommandException e => new(false, $"{(int)e.StatusCode} {e.Message} ({e.ErrorCode})"),
        SmtpProtocolException e => new(false, $"SMTP protocol error: {e.Message}"),
        AuthenticationException e => new(false, $"SMTP authentication failed (check Smtp:Username and Smtp:Password): {e.Message}"),
        ServiceNotAuthenticatedException e => new(false, $"SMTP authentication required (set Smtp:Username and Smtp:Password): {e.Message}"),
        SslHandshakeException e => new(false, $"TLS with the SMTP server failed (check Smtp:Security and Smtp:CertificateThumbprint): {e.Message}"),
        _ => new(false, $"{error.GetType().Name}: {error.Message}"),
    };

    /// <summary>
    /// True when the conversation broke (or went silent) without the server's answer to the message:
    /// it may have taken the email before the connection dropped, so sending it again may repeat it.
    /// A refusal (an SMTP reply) or a failure to connect or authenticate is certain: nothing went out.
    /// </summary>
    public static bool MayHaveBeenAccepted(Exception error) =>
        error is SmtpProtocolException or IOException or TimeoutException;
}
