using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Relay.EndToEnd.Tests.Faults;

/// <summary>
/// An SMTP-aware relay in front of a real SMTP server that answers or cuts chosen parts of the
/// conversation: a recipient refused for now or for good, or a mail the server took whose
/// acknowledgement never reaches the client. It strips PIPELINING, CHUNKING and STARTTLS from
/// the EHLO reply so the client talks plain text, one command at a time.
/// </summary>
public sealed class SmtpFaultProxy : IAsyncDisposable
{
    private static readonly string[] StrippedExtensions = ["PIPELINING", "CHUNKING", "STARTTLS"];

    private readonly int _target;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<Task> _tasks = [];
    private int _dropAfterDataCount;
    private int _temporaryFailures;
    private int _refusals;
    private int _droppedAfterData;
    private int _accepted;

    public SmtpFaultProxy(int targetPort)
    {
        _target = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        lock (_tasks)
            _tasks.Add(AcceptAsync(_cancel.Token));
    }

    public int Port { get; }

    /// <summary>While true, every RCPT TO is answered 451 by the proxy.</summary>
    public bool TemporaryFailure { get; set; }

    /// <summary>RCPT TO for this address (any case) is answered 550 by the proxy.</summary>
    public string? RefusedRecipient { get; set; }

    /// <summary>
    /// For this many next messages the server's 250 after DATA is swallowed and the client's
    /// connection closed: the server has the mail, the client believes it failed.
    /// </summary>
    public int DropAfterDataCount
    {
        get => Volatile.Read(ref _dropAfterDataCount);
        set => Volatile.Write(ref _dropAfterDataCount, value);
    }

    public int TemporaryFailures => Volatile.Read(ref _temporaryFailures);
    public int Refusals => Volatile.Read(ref _refusals);
    public int DroppedAfterData => Volatile.Read(ref _droppedAfterData);

    /// <summary>Messages whose 250 after DATA reached the client.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    private async Task AcceptAsync(CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(cancel); }
            catch (Exception) { return; }
            lock (_tasks)
                _tasks.Add(ServeAsync(client, cancel));
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancel)
    {
        using var inbound = client;
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _target, cancel);
            var fromClient = new SmtpLines(inbound.GetStream());
            var fromServer = new SmtpLines(server.GetStream());
            await ConverseAsync(fromClient, fromServer, cancel);
        }
        catch (Exception) { /* either side closed, or the proxy is disposed: this connection ends */ }
    }

    private async Task ConverseAsync(SmtpLines client, SmtpLines server, CancellationToken cancel)
    {
        var greeting = await server.ReadReplyAsync(cancel);
        if (greeting is null)
            return;
        await client.WriteAsync(greeting, cancel);

        while (await client.ReadLineAsync(cancel) is { } command)
        {
            var verb = command.Split(' ', 2)[0].ToUpperInvariant();
            if (verb == "RCPT" && Intercept(command) is { } answer)
            {
                await client.WriteAsync([answer], cancel);
                continue;
            }

            await server.WriteAsync([command], cancel);
            var reply = await server.ReadReplyAsync(cancel);
            if (reply is null)
                return;
            if (verb == "EHLO")
                reply = WithoutStrippedExtensions(reply);
            await client.WriteAsync(reply, cancel);

            if (verb == "DATA" && reply[0].StartsWith("354", StringComparison.Ordinal) && !await RelayMessageAsync(client, server, cancel))
                return;
            if (verb == "QUIT")
                return;
        }
    }

    /// <summary>The proxy's own answer to a RCPT TO, or null to forward it.</summary>
    private string? Intercept(string command)
    {
        if (TemporaryFailure)
        {
            Interlocked.Increment(ref _temporaryFailures);
            return "451 4.3.2 Try again later";
        }
        var open = command.IndexOf('<');
        var close = command.IndexOf('>', open + 1);
        var address = open >= 0 && close > open ? command[(open + 1)..close] : "";
        if (RefusedRecipient is { } refused && string.Equals(address, refused, StringComparison.OrdinalIgnoreCase))
        {
            Interlocked.Increment(ref _refusals);
            return $"550 5.1.1 <{address}>: no such user";
        }
        return null;
    }

    /// <summary>
    /// Forwards the message up to the lone "." and hands the server's reply on, unless this
    /// message's acknowledgement is to be dropped. False when the client connection must end.
    /// </summary>
    private async Task<bool> RelayMessageAsync(SmtpLines client, SmtpLines server, CancellationToken cancel)
    {
        string? line;
        do
        {
            line = await client.ReadLineAsync(cancel);
            if (line is null)
                return false;
            await server.WriteAsync([line], cancel);
        }
        while (line != ".");
        var reply = await server.ReadReplyAsync(cancel);
        if (reply is null)
            return false;
        if (reply[0].StartsWith("250", StringComparison.Ordinal))
        {
            if (TakeOneDrop())
            {
                Interlocked.Increment(ref _droppedAfterData);
                return false;
            }
            Interlocked.Increment(ref _accepted);
        }
        await client.WriteAsync(reply, cancel);
        return true;
    }

    private bool TakeOneDrop()
    {
        while (true)
        {
            var left = Volatile.Read(ref _dropAfterDataCount);
            if (left <= 0)
                return false;
            if (Interlocked.CompareExchange(ref _dropAfterDataCount, left - 1, left) == left)
                return true;
        }
    }

    /// <summary>The EHLO reply without the stripped extensions, its last line ending the reply.</summary>
    private static List<string> WithoutStrippedExtensions(List<string> reply)
    {
        static string Text(string line) => line.Length > 4 ? line[4..] : "";
        var kept = reply.Where((line, i) => i == 0 || !StrippedExtensions.Contains(
            Text(line).Split(' ', 2)[0], StringComparer.OrdinalIgnoreCase)).ToList();
        var code = kept[0][..3];
        return kept.Select((line, i) => code + (i == kept.Count - 1 ? ' ' : '-') + Text(line)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        _cancel.Cancel();
        _listener.Stop();
        Task[] running;
        lock (_tasks)
            running = [.. _tasks];
        await Task.WhenAll(running);
        _cancel.Dispose();
    }

    /// <summary>
    /// One side of the conversation as CRLF lines. Latin-1 maps each byte to one character,
    /// so whatever the client sends (8-bit or UTF-8 text) goes on byte for byte.
    /// </summary>
    private sealed class SmtpLines(NetworkStream stream)
    {
        private readonly StreamReader _reader = new(stream, Encoding.Latin1);

        public async Task<string?> ReadLineAsync(CancellationToken cancel) => await _reader.ReadLineAsync(cancel);

        /// <summary>A whole reply: "250-..." lines up to the "250 ..." one; null if the server closed.</summary>
        public async Task<List<string>?> ReadReplyAsync(CancellationToken cancel)
        {
            var lines = new List<string>();
            while (await ReadLineAsync(cancel) is { } line)
            {
                lines.Add(line);
                if (line.Length < 4 || line[3] != '-')
                    return lines;
            }
            return null;
        }

        public async Task WriteAsync(IEnumerable<string> lines, CancellationToken cancel)
        {
            var bytes = Encoding.Latin1.GetBytes(string.Concat(lines.Select(l => l + "\r\n")));
            await stream.WriteAsync(bytes, cancel);
        }
    }
}
