using System.Collections.Concurrent;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Relay.Delivery;

/// <summary>
/// A few SMTP connections kept open and reused (connecting per message costs far more). A MailKit
/// client is not thread-safe, so each send holds one client; a client whose connection broke is
/// dropped and the next send connects afresh. PIPELINING is used by MailKit when offered.
/// </summary>
public sealed class SmtpConnectionPool(IOptions<SmtpOptions> options, ILogger<SmtpConnectionPool> logger) : IAsyncDisposable
{
    private readonly SmtpOptions _options = options.Value;
    private readonly ConcurrentBag<(SmtpClient Client, DateTime Since)> _idle = [];
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.Value.PoolSize));

    /// <summary>The longest one send may take (connect, authenticate, transfer).</summary>
    public TimeSpan Timeout => _options.Timeout;

    /// <summary>Sends one message and returns the server's reply to its DATA.</summary>
    /// <exception cref="SmtpCommandException">The server refused the sender, a recipient or the message.</exception>
    /// <exception cref="SmtpProtocolException">The conversation broke.</exception>
    /// <exception cref="IOException">The connection failed or dropped.</exception>
    public async Task<string> SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        var client = TakeIdle() ?? new SmtpClient { Timeout = (int)_options.Timeout.TotalMilliseconds };
        var reusable = false;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            if (!client.IsConnected)
            {
                await client.ConnectAsync(_options.Host, _options.Port, _options.Security, timeout.Token);
                if (!string.IsNullOrEmpty(_options.Username))
                    await client.AuthenticateAsync(_options.Username, _options.Password ?? "", timeout.Token);
                logger.LogInformation("Connected to SMTP {Host}:{Port}", _options.Host, _options.Port);
            }
            var reply = await client.SendAsync(message, timeout.Token);
            reusable = true;
            return reply;
        }
        catch (SmtpCommandException)
        {
            // The server refused this message; the conversation itself is intact.
            reusable = client.IsConnected;
            throw;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The SMTP server {_options.Host}:{_options.Port} did not answer within {_options.Timeout.TotalSeconds:F0} s.");
        }
        finally
        {
            if (reusable)
                _idle.Add((client, DateTime.UtcNow));
            else
                client.Dispose();
            _slots.Release();
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
