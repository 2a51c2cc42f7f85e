using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;
using Relay.ServiceDefaults.Telemetry;

namespace Relay.Delivery;

/// <summary>
/// A few SMTP connections kept open and reused (connecting per message costs far more). A MailKit
/// client is not thread-safe, so each send holds one client; a client whose connection broke is
/// dropped and the next send connects afresh. PIPELINING is used by MailKit when offered; TLS and
/// authentication are as configured, and a pinned certificate (Smtp:CertificateThumbprint) is trusted
/// in place of normal validation.
/// </summary>
public sealed class SmtpConnectionPool(IOptions<SmtpOptions> options, ILogger<SmtpConnectionPool> logger) : IAsyncDisposable
{
    private readonly SmtpOptions _options = options.Value;
    private readonly ConcurrentBag<(SmtpClient Client, DateTime Since)> _idle = [];
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.Value.PoolSize));
    private readonly string? _pin = Pin(options.Value.CertificateThumbprint);

    /// <summary>How many connections it keeps, so how many sends go at once.</summary>
    public int Size => Math.Max(1, _options.PoolSize);

    /// <summary>The longest one send may take (connect, authenticate, transfer).</summary>
    public TimeSpan Timeout => _options.Timeout;

    /// <summary>Sends one message and returns the server's reply to its DATA.</summary>
    /// <exception cref="SmtpCommandException">The server refused the sender, a recipient or the message.</exception>
    /// <exception cref="SmtpProtocolException">The conversation broke.</exception>
    /// <exception cref="IOException">The connection failed or dropped.</exception>
    /// <exception cref="TimeoutException">No connection came free, or the server did not answer, within Smtp:Timeout.</exception>
    public async Task<string> SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        // The wait for a free connection counts against the timeout too: the delivery stage's claim
        // lasts only a little longer than Timeout, and a send still queued after it could repeat one.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try { await _slots.WaitAsync(timeout.Token); }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No SMTP connection to {_options.Host}:{_options.Port} came free within {_options.Timeout.TotalSeconds:F0} s.");
        }
        var client = TakeIdle() ?? NewClient();
        var reusable = false;
        // One span per email, under the consumer's (which names the solidarity message).
        using var activity = RelayMetrics.Source.StartActivity("smtp send", ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag(RelayMetrics.MessageIdTag, activity.Parent?.GetTagItem(RelayMetrics.MessageIdTag));
            activity.SetTag("server.address", _options.Host);
            activity.SetTag("server.port", _options.Port);
        }
        var outcome = "failed";
        try
        {
            if (!client.IsConnected)
            {
                await client.ConnectAsync(await OpenSocketAsync(timeout.Token), _options.Host, _options.Port, _options.Security, timeout.Token);
                if (!string.IsNullOrEmpty(_options.Username))
                    await client.AuthenticateAsync(_options.Username, _options.Password ?? "", timeout.Token);
                logger.LogInformation("Connected to SMTP {Host}:{Port}", _options.Host, _options.Port);
            }
            var reply = await client.SendAsync(message, timeout.Token);
            reusable = true;
            outcome = "sent";
            return reply;
        }
        catch (SmtpCommandException e)
        {
            outcome = "refused";
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            // The server refused this message; the conversation itself is intact, unless the refusal
            // came before authentication finished (a client that skipped it must not be reused).
            reusable = client.IsConnected && (string.IsNullOrEmpty(_options.Username) || client.IsAuthenticated);
            throw;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The SMTP server {_options.Host}:{_options.Port} did not answer within {_options.Timeout.TotalSeconds:F0} s.");
        }
        finally
        {
            RelayMetrics.Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
            if (outcome == "failed")
                activity?.SetStatus(ActivityStatusCode.Error);
            if (reusable)
                _idle.Add((client, DateTime.UtcNow));
            else
                client.Dispose();
            _slots.Release();
        }
    }

    /// <summary>
    /// The readiness probe: a fresh connection (TCP, the greeting, EHLO, STARTTLS when configured,
    /// the sign-in when a user is set), then QUIT. Not through the pool: its idle connections may
    /// be older than the server's memory of them, and a probe must not take a sender's slot.
    /// </summary>
    /// <exception cref="IOException">The server does not answer or the conversation broke.</exception>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        using var client = NewClient();
        await client.ConnectAsync(await OpenSocketAsync(cancellationToken), _options.Host, _options.Port, _options.Security, cancellationToken);
        if (!string.IsNullOrEmpty(_options.Username))
            await client.AuthenticateAsync(_options.Username, _options.Password ?? "", cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }

    private SmtpClient NewClient()
    {
        var client = new SmtpClient { Timeout = (int)_options.Timeout.TotalMilliseconds };
        if (_pin is null)
            return client;
        if (_pin.Length is not (40 or 64) || !_pin.All(char.IsAsciiHexDigit))
            logger.LogError("Smtp:CertificateThumbprint must be a SHA-256 (64 hex digits) or SHA-1 (40) thumbprint; " +
                "no certificate matches {Thumbprint}, so TLS connections fail", _options.CertificateThumbprint);
        client.ServerCertificateValidationCallback = (_, certificate, _, _) => IsPinned(certificate);
        return client;
    }

    /// <summary>Exactly the pinned certificate, whatever its issuer and names.</summary>
    private bool IsPinned(X509Certificate? certificate) =>
        certificate is not null && string.Equals(_pin,
            certificate.GetCertHashString(_pin!.Length == 40 ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256), StringComparison.OrdinalIgnoreCase);

    /// <summary>The configured thumbprint as bare hex (colons and spaces dropped); null when none is set.</summary>
    private static string? Pin(string? thumbprint) =>
        string.IsNullOrWhiteSpace(thumbprint) ? null : string.Concat(thumbprint.Where(c => c is not (':' or ' ' or '-')));

    /// <summary>
    /// A TCP connection with Nagle's algorithm off. With it on, an email over about 4 KB waits
    /// ~40 ms for the server's delayed acknowledgement before its last segment goes out (measured:
    /// ~22 emails a second per connection instead of ~1,000; docs/benchmarks/delivery.md).
    /// </summary>
    private async Task<Socket> OpenSocketAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_options.Host, _options.Port, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>An idle connection young enough to trust; older ones are closed (the server may have dropped them).</summary>
    private SmtpClient? TakeIdle()
    {
        while (_idle.TryTake(out var idle))
        {
            if (DateTime.UtcNow - idle.Since < _options.IdleTimeout && idle.Client.IsConnected)
                return idle.Client;
            _ = CloseAsync(idle.Client);
        }
        return null;
    }

    private static async Task CloseAsync(SmtpClient client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            if (client.IsConnected)
                await client.DisconnectAsync(quit: true, timeout.Token);
        }
        catch (Exception e) when (e is IOException or MailKit.ProtocolException or OperationCanceledException or System.Net.Sockets.SocketException) { /* closing anyway */ }
        client.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var idle))
            await CloseAsync(idle.Client);
    }
}
