using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Relay.Tests.Support;

/// <summary>How the scripted server answers one recipient.</summary>
public enum SmtpScript { Accept, TemporaryAtRcpt, PermanentAtRcpt, TemporaryAfterData, PermanentAfterData, DropAfterData }

/// <summary>A message the server accepted: its envelope, its data (dot-unstuffed) and the connection it came over.</summary>
public sealed record ScriptedMessage(int Connection, string From, IReadOnlyList<string> To, string Data, bool Secure, string? User);

/// <summary>What the server offers besides 8BITMIME and SMTPUTF8; AUTH PLAIN LOGIN when a username is set (after STARTTLS if offered).</summary>
public sealed record ScriptedSmtpSettings(bool Pipelining = true, bool StartTls = false, string? Username = null, string? Password = null);

/// <summary>
/// A real SMTP server on 127.0.0.1 inside the tests, speaking enough RFC 5321 for MailKit. Each
/// recipient is answered as <see cref="Script"/> says (accept, 451 or 550 to RCPT, 451 or 554 after
/// DATA, or a dropped connection after DATA). It records every command per connection, the messages
/// it accepted, the connections opened, and how many MAIL commands were pipelined (the next command
/// had already arrived when the server answered MAIL). STARTTLS uses a self-signed certificate made in memory.
/// </summary>
public sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(30);
    /// <summary>How long the server waits, before answering MAIL, for a pipelined command to show up.</summary>
    private static readonly TimeSpan PipeliningWindow = TimeSpan.FromMilliseconds(200);

    private readonly ScriptedSmtpSettings _settings;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<Task> _sessions = new();
    private readonly ConcurrentQueue<ScriptedMessage> _messages = new();
    private readonly ConcurrentDictionary<int, ConcurrentQueue<string>> _commands = new();
    private readonly Lazy<X509Certificate2> _certificate = new(CreateCertificate);
    private readonly Task _accepting;
    private int _connections, _pipelinedMail, _dropped;

    public ScriptedSmtpServer(ScriptedSmtpSettings? settings = null)
    {
        _settings = settings ?? new();
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    /// <summary>How each recipient address is answered; may be changed while the server runs.</summary>
    public Func<string, SmtpScript> Script { get; set; } = _ => SmtpScript.Accept;
    public X509Certificate2 Certificate => _certificate.Value;
    public IReadOnlyList<ScriptedMessage> Messages => [.. _messages];
    public int Connections => Volatile.Read(ref _connections);
    /// <summary>MAIL commands answered when the client had already sent what follows (RCPT): pipelining.</summary>
    public int PipelinedMailCommands => Volatile.Read(ref _pipelinedMail);
    /// <summary>Connections closed without a reply after a message's data.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    public IReadOnlyList<ScriptedMessage> MessagesTo(string address) =>
        [.. _messages.Where(m => m.To.Contains(address, StringComparer.OrdinalIgnoreCase))];

    /// <summary>The command lines received on connection <paramref name="connection"/> (1 is the first), in order.</summary>
    public IReadOnlyList<string> CommandsOn(int connection) => _commands.TryGetValue(connection, out var c) ? [.. c] : [];

    private sealed class Session(int number, TcpClient tcp)
    {
        public int Number { get; } = number;
        public TcpClient Tcp { get; } = tcp;
        public Stream Stream { get; set; } = tcp.GetStream();
        public byte[] Buffer { get; } = new byte[64 * 1024];
        public int Start { get; set; }
        public int End { get; set; }
        public bool Secure { get; set; }
        public string? User { get; set; }
        public string? From { get; set; }
        public List<(string Address, SmtpScript Script)> To { get; } = [];
        public bool HasInput => End > Start || Tcp.Available > 0;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var tcp = await _listener.AcceptTcpClientAsync(_stop.Token);
                var number = Interlocked.Increment(ref _connections);
                _commands[number] = new();
                _sessions.Enqueue(ServeAsync(new Session(number, tcp)));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { /* stopped */ }
    }

    private async Task ServeAsync(Session session)
    {
        try
        {
            await ReplyAsync(session, "220 scripted.localhost ESMTP ready");
            while (await ReadLineAsync(session) is { } line)
            {
                _commands[session.Number].Enqueue(line);
                if (!await HandleAsync(session, line))
                    break;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException
            or System.Security.Authentication.AuthenticationException) { /* the client went away, or the server stops */ }
        finally
        {
            await session.Stream.DisposeAsync();
            session.Tcp.Dispose();
        }
    }

    /// <summary>Answers one command; false when the connection is over.</summary>
    private async Task<bool> HandleAsync(Session s, string line)
    {
        var verb = line.Split(' ', 2)[0].ToUpperInvariant();
        var argument = line.Length > verb.Length ? line[(verb.Length + 1)..].Trim() : "";
        switch (verb)
        {
            case "EHLO": await ReplyAsync(s, Greeting(s, argument)); break;
            case "HELO": await ReplyAsync(s, "250 scripted.localhost"); break;
            case "STARTTLS" when _settings.StartTls && !s.Secure: await StartTlsAsync(s); break;
            case "AUTH" when OffersAuth(s) && s.User is null: await AuthenticateAsync(s, argument); break;
            case "MAIL" when _settings.Username is not null && s.User is null: await ReplyAsync(s, "530 5.7.0 Authentication required"); break;
            case "MAIL" when s.From is not null: await ReplyAsync(s, "503 5.5.1 Error: nested MAIL command"); break;
            case "MAIL": await MailAsync(s, argument); break;
            case "RCPT" when s.From is null: await ReplyAsync(s, "503 5.5.1 Error: need MAIL command"); break;
            case "RCPT": await RecipientAsync(s, Address(argument)); break;
            case "DATA" when s.To.Count == 0: await ReplyAsync(s, "554 5.5.1 Error: no valid recipients"); break;
            case "DATA": return await DataAsync(s);
            case "RSET": Reset(s); await ReplyAsync(s, "250 2.0.0 Ok"); break;
            case "NOOP": await ReplyAsync(s, "250 2.0.0 Ok"); break;
            case "QUIT": await ReplyAsync(s, "221 2.0.0 Bye"); return false;
            default: await ReplyAsync(s, "502 5.5.2 Error: command not recognized"); break;
        }
        return true;
    }

    private bool OffersAuth(Session s) => _settings.Username is not null && (s.Secure || !_settings.StartTls);

    private string Greeting(Session s, string client)
    {
        var lines = new List<string> { $"scripted.localhost greets {client}" };
        if (_settings.Pipelining)
            lines.Add("PIPELINING");
        lines.AddRange(["8BITMIME", "SMTPUTF8"]);
        if (_settings.StartTls && !s.Secure)
            lines.Add("STARTTLS");
        if (OffersAuth(s))
            lines.Add("AUTH PLAIN LOGIN");
        return string.Join("\r\n", lines.Select((l, i) => (i == lines.Count - 1 ? "250 " : "250-") + l));
    }

    private async Task MailAsync(Session s, string argument)
    {
        s.From = Address(argument);
        // A pipelining client sends RCPT without waiting for this reply: it is here already, or on its way.
        var clock = Stopwatch.StartNew();
        while (!s.HasInput && clock.Elapsed < PipeliningWindow)
            await Task.Delay(10, _stop.Token);
        if (s.HasInput)
            Interlocked.Increment(ref _pipelinedMail);
        await ReplyAsync(s, "250 2.1.0 Ok");
    }

    private async Task RecipientAsync(Session s, string address)
    {
        var script = Script(address);
        switch (script)
        {
            case SmtpScript.TemporaryAtRcpt: await ReplyAsync(s, "451 4.2.1 Scripted: mailbox busy, try again later"); break;
            case SmtpScript.PermanentAtRcpt: await ReplyAsync(s, "550 5.1.1 Scripted: no such mailbox"); break;
            default: s.To.Add((address, script)); await ReplyAsync(s, "250 2.1.5 Ok"); break;
        }
    }

    /// <summary>Reads the message (until CRLF.CRLF, dot-unstuffed) and answers as its recipients' script says.</summary>
    private async Task<bool> DataAsync(Session s)
    {
        await ReplyAsync(s, "354 End data with <CR><LF>.<CR><LF>");
        var data = new StringBuilder();
        string? line;
        while ((line = await ReadLineAsync(s)) is not null && line != ".")
            data.Append(line.StartsWith('.') ? line[1..] : line).Append("\r\n");
        if (line is null)
            return false; // the client went away mid-message
        var failure = s.To.Select(t => t.Script).FirstOrDefault(t => t != SmtpScript.Accept, SmtpScript.Accept);
        if (failure == SmtpScript.DropAfterData)
        {
            Interlocked.Increment(ref _dropped);
            return false; // closed without a word
        }
        if (failure == SmtpScript.Accept)
            _messages.Enqueue(new(s.Number, s.From!, [.. s.To.Select(t => t.Address)], data.ToString(), s.Secure, s.User));
        await ReplyAsync(s, failure switch
        {
            SmtpScript.TemporaryAfterData => "451 4.3.0 Scripted: local error in processing",
            SmtpScript.PermanentAfterData => "554 5.6.0 Scripted: message refused",
            _ => $"250 2.0.0 Ok: queued as {_messages.Count}",
        });
        Reset(s);
        return true;
    }

    private static void Reset(Session s)
    {
        s.From = null;
        s.To.Clear();
    }

    private async Task StartTlsAsync(Session s)
    {
        await ReplyAsync(s, "220 2.0.0 Ready to start TLS");
        var tls = new SslStream(s.Stream, leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(IdleLimit);
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = Certificate }, timeout.Token);
        (s.Stream, s.Secure, s.Start, s.End) = (tls, true, 0, 0);
        Reset(s);
    }

    /// <summary>AUTH PLAIN (initial response or after a 334) and AUTH LOGIN, checked against the settings.</summary>
    private async Task AuthenticateAsync(Session s, string argument)
    {
        var parts = argument.Split(' ', 2);
        string? user = null, password = null;
        switch (parts[0].ToUpperInvariant())
        {
            case "PLAIN":
                var fields = Decode(parts.Length > 1 ? parts[1] : await ChallengeAsync(s, "")).Split('\0');
                if (fields.Length == 3)
                    (user, password) = (fields[1], fields[2]);
                break;
            case "LOGIN":
                user = Decode(parts.Length > 1 ? parts[1] : await ChallengeAsync(s, "VXNlcm5hbWU6"));
                password = Decode(await ChallengeAsync(s, "UGFzc3dvcmQ6"));
                break;
            default:
                await ReplyAsync(s, "504 5.5.4 Unrecognized authentication type");
                return;
        }
        if (user == _settings.Username && password == _settings.Password)
        {
            s.User = user;
            await ReplyAsync(s, "235 2.7.0 Authentication successful");
        }
        else
            await ReplyAsync(s, "535 5.7.8 Authentication credentials invalid");
    }

    private async Task<string> ChallengeAsync(Session s, string challenge)
    {
        await ReplyAsync(s, $"334 {challenge}");
        return await ReadLineAsync(s) ?? "";
    }

    private static string Decode(string base64)
    {
        try { return Encoding.UTF8.GetString(Convert.FromBase64String(base64.Trim())); }
        catch (FormatException) { return ""; }
    }

    /// <summary>The address in "FROM:&lt;a@b&gt; BODY=8BITMIME" or "TO:&lt;a@b&gt;".</summary>
    private static string Address(string argument)
    {
        var (open, close) = (argument.IndexOf('<'), argument.IndexOf('>'));
        return open >= 0 && close > open ? argument[(open + 1)..close] : argument;
    }

    private async Task ReplyAsync(Session s, string reply)
    {
        await s.Stream.WriteAsync(Encoding.UTF8.GetBytes(reply + "\r\n"), _stop.Token);
        await s.Stream.FlushAsync(_stop.Token);
    }

    /// <summary>One line without its CRLF; null when the client closed the connection.</summary>
    private async Task<string?> ReadLineAsync(Session s)
    {
        while (true)
        {
            var end = Array.IndexOf(s.Buffer, (byte)'\n', s.Start, s.End - s.Start);
            if (end >= 0)
            {
                var length = end - s.Start - (end > s.Start && s.Buffer[end - 1] == '\r' ? 1 : 0);
                var line = Encoding.UTF8.GetString(s.Buffer, s.Start, length);
                s.Start = end + 1;
                return line;
            }
            Array.Copy(s.Buffer, s.Start, s.Buffer, 0, s.End - s.Start);
            (s.End, s.Start) = (s.End - s.Start, 0);
            if (s.End == s.Buffer.Length)
                throw new IOException("A line longer than the buffer.");
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            idle.CancelAfter(IdleLimit);
            var read = await s.Stream.ReadAsync(s.Buffer.AsMemory(s.End), idle.Token);
            if (read == 0)
                return null;
            s.End += read;
        }
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=scripted.localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12, so that the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await Task.WhenAll(_sessions.Append(_accepting)).WaitAsync(TimeSpan.FromSeconds(10)); }
        finally
        {
            _stop.Dispose();
            if (_certificate.IsValueCreated)
                _certificate.Value.Dispose();
        }
    }
}
