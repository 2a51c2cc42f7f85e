using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Relay.Benchmarks;

/// <summary>
/// An SMTP server that accepts everything and keeps, for each email, the moment it answered 250 to
/// the end of DATA (a <see cref="Stopwatch"/> timestamp of the benchmark's own process), the
/// envelope recipients, and the Message-ID and X-Relay-Message headers that link the email to a
/// Relay message and recipient union. It speaks EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP and QUIT
/// and advertises only 8BITMIME and SIZE (no PIPELINING, CHUNKING or STARTTLS), answering at once.
/// </summary>
internal sealed partial class BenchSmtpSink : IAsyncDisposable
{
    public sealed record Email(long AcceptedAt, int Connection, IReadOnlyList<string> Recipients, string? MessageIdHeader, Guid? RelayMessage)
    {
        /// <summary>A letter to one recipient union: Message-ID "&lt;{message:N}.{union:N}@domain&gt;" (MailComposer.MessageIdFor).</summary>
        public (Guid Message, Guid Union)? Letter =>
            MessageIdHeader is { } id && LetterId().Match(id) is { Success: true } m
                ? (Guid.ParseExact(m.Groups[1].Value, "N"), Guid.ParseExact(m.Groups[2].Value, "N")) : null;

        /// <summary>The sending union's summary: Message-ID "&lt;summary.{message:N}@domain&gt;".</summary>
        public Guid? Summary =>
            MessageIdHeader is { } id && SummaryId().Match(id) is { Success: true } m ? Guid.ParseExact(m.Groups[1].Value, "N") : null;
    }

    [GeneratedRegex(@"^<?([0-9a-f]{32})\.([0-9a-f]{32})@", RegexOptions.IgnoreCase)]
    private static partial Regex LetterId();

    [GeneratedRegex(@"^<?summary\.([0-9a-f]{32})@", RegexOptions.IgnoreCase)]
    private static partial Regex SummaryId();

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<Email> _emails = new();
    private readonly Task _accepting;
    private int _connections;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    /// <summary>Connections accepted since the sink started.</summary>
    public int Connections => Volatile.Read(ref _connections);
    /// <summary>Every email accepted so far, in the order of their 250s.</summary>
    public IReadOnlyList<Email> Emails => _emails.ToArray();

    public BenchSmtpSink()
    {
        _listener.Start(512);
        _accepting = AcceptAsync();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { continue; }
            var number = Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ServeAsync(client, number));
        }
    }

    private async Task ServeAsync(TcpClient client, int connection)
    {
        using var _ = client;
        client.NoDelay = true;
        try
        {
            var stream = client.GetStream();
            // Latin-1 maps every byte to one char: headers are ASCII, the body's bytes pass unread.
            using var reader = new StreamReader(stream, Encoding.Latin1, detectEncodingFromByteOrderMarks: false, bufferSize: 16384);
            await using var writer = new StreamWriter(stream, Encoding.ASCII, bufferSize: 1024) { NewLine = "\r\n", AutoFlush = false };
            async Task Reply(string line) { await writer.WriteAsync(line + "\r\n"); await writer.FlushAsync(); }

            await Reply("220 bench-sink ESMTP");
            var recipients = new List<string>();
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                var verb = (line.Length >= 4 ? line[..4] : line).ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await Reply("250-bench-sink\r\n250-8BITMIME\r\n250 SIZE 52428800");
                        break;
                    case "HELO":
                        await Reply("250 bench-sink");
                        break;
                    case "MAIL":
                        recipients.Clear();
                        await Reply("250 2.1.0 OK");
                        break;
                    case "RCPT":
                        recipients.Add(Address(line));
                        await Reply("250 2.1.5 OK");
                        break;
                    case "DATA":
                        await Reply("354 end with <CRLF>.<CRLF>");
                        var headers = await ReadDataAsync(reader);
                        await Reply("250 2.0.0 queued");
                        // The moment Relay's SMTP client can count the email as sent.
                        var at = Stopwatch.GetTimestamp();
                        _emails.Enqueue(new Email(at, connection, recipients.ToList(), Header(headers, "Message-ID"),
                            Guid.TryParse(Header(headers, "X-Relay-Message"), out var id) ? id : null));
                        recipients.Clear();
                        break;
                    case "RSET":
                        recipients.Clear();
                        await Reply("250 2.0.0 OK");
                        break;
                    case "NOOP":
                        await Reply("250 2.0.0 OK");
                        break;
                    case "QUIT":
                        await Reply("221 2.0.0 bye");
                        return;
                    default:
                        await Reply("502 5.5.2 command not implemented");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
    }

    /// <summary>Reads DATA up to the lone dot; returns the unfolded header lines.</summary>
    private async Task<List<string>> ReadDataAsync(StreamReader reader)
    {
        var headers = new List<string>();
        var inHeaders = true;
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            if (line == ".")
                break;
            if (!inHeaders)
                continue;
            if (line.Length == 0)
                inHeaders = false;
            else if ((line[0] == ' ' || line[0] == '\t') && headers.Count > 0)
                headers[^1] += " " + line.Trim();
            else
                headers.Add(line.StartsWith("..", StringComparison.Ordinal) ? line[1..] : line);
        }
        return headers;
    }

    private static string? Header(List<string> headers, string name) =>
        headers.FirstOrDefault(h => h.Length > name.Length && h[name.Length] == ':' && h.StartsWith(name, StringComparison.OrdinalIgnoreCase))
            ?[(name.Length + 1)..].Trim();

    private static string Address(string line)
    {
        var start = line.IndexOf('<');
        var end = line.IndexOf('>', start + 1);
        return start >= 0 && end > start ? line[(start + 1)..end].ToLowerInvariant() : line[(line.IndexOf(':') + 1)..].Trim().ToLowerInvariant();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
