using MailKit.Net.Smtp;

namespace Relay.Delivery;

/// <summary>How a failed send is recorded: permanent failures are not retried, temporary ones are.</summary>
public sealed record DeliveryOutcome(bool Permanent, string Detail)
{
    /// <summary>5xx replies are permanent; 4xx replies, broken conversations and connection errors are temporary.</summary>
    public static DeliveryOutcome Classify(Exception error) => error switch
    {
        SmtpCommandException { StatusCode: var code } e when (int)code >= 500 =>
            new(true, $"{(int)code} {e.Message} ({e.ErrorCode})"),
        SmtpCommandException e => new(false, $"{(int)e.StatusCode} {e.Message} ({e.ErrorCode})"),
        SmtpProtocolException e => new(false, $"SMTP protocol error: {e.Message}"),
        _ => new(false, $"{error.GetType().Name}: {error.Message}"),
    };
}
