using System.Net.Sockets;
using MailKit.Net.Smtp;
using Relay.Storage;

namespace Relay.ServiceDefaults;

/// <summary>
/// Faults of a service Relay depends on that pass by themselves within minutes: the database not
/// answering (PostgreSQL restarting), the mail server deferring (a 4xx) or dropping the connection.
/// A consumer waits them out (about two minutes, inside each of its quick retries) rather than set
/// the message aside in its _error queue for a coordinator.
/// </summary>
public static class PassingFaults
{
    /// <summary>The waits between attempts while such a fault lasts.</summary>
    public static readonly TimeSpan[] Waits =
        [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60)];

    public static bool Is(Exception exception) => exception switch
    {
        PassingFaultException => true,
        SmtpCommandException e => (int)e.StatusCode is >= 400 and < 500,
        SmtpProtocolException or IOException or SocketException => true,
        _ => StorageFailures.IsUnavailable(exception),
    };
}

/// <summary>Thrown where Relay itself knows the cause passes (another worker holds a claim until a known time): the consumer tries again later.</summary>
public class PassingFaultException(string message) : Exception(message);
