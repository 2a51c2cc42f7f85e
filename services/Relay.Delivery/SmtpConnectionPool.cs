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
    private readonly ConcurrentBag<SmtpClient> _idle = [];
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.Value.PoolSize));

    /// <summary>Sends one message and returns the server's reply to its DATA.</summary>
    /// <exception cref="SmtpCommandException">The server refused the sender, a recipient or the message.</exception>
    /// <exception cref="SmtpProtocolException">The conversation broke.</exception>
    /// <exception cref="IOException">The connection failed or dropped.</exception>
    public async Task<string> SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        var client = _idle.TryTake(out var idle) ? idle : new SmtpClient { Timeout = (int)_options.Timeout.TotalMilliseconds };
        var reusable = false;
        try
        {
            if (!client.IsConnected)
            {
                await client.ConnectAsync(_options.Host, _options.Port, _options.Security, cancellationToken);
                if (!string.IsNullOrEmpty(_options.Username))
                    await client.AuthenticateAsync(_options.Username, _options.Password ?? "", cancellationToken);
                logger.LogInformation("Connected to SMTP {Host}:{Port}", _options.Host, _options.Port);
            }
            var reply = await client.SendAsync(message, cancellationToken);
            reusable = true;
            return reply;
        }
        catch (SmtpCommandException)
        {
            // The server refused this message; the conversation itself is intact.
            reusable = client.IsConnected;
            throw;
        }
        finally
        {
            if (reusable)
                _idle.Add(client);
            else
                client.Dispose();
            _slots.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var client))
        {
            try
            {
                if (client.IsConnected)
                    await client.DisconnectAsync(quit: true);
            }
            catch (Exception e) when (e is IOException or MailKit.ProtocolException) { /* closing anyway */ }
            client.Dispose();
        }
    }
}
