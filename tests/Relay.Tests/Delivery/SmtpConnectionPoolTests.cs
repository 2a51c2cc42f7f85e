using System.Security.Cryptography;
using System.Text;
using MailKit.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using Relay.Delivery;
using Relay.Tests.Support;

namespace Relay.Tests.Delivery;

/// <summary>The SMTP connection pool against the scripted server: reuse, pipelining, reconnecting, STARTTLS with a pinned certificate, authentication.</summary>
public class SmtpConnectionPoolTests : IAsyncLifetime
{
    private ScriptedSmtpServer _server = new();
    private readonly List<SmtpConnectionPool> _pools = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var pool in _pools)
            await pool.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await _server.DisposeAsync();
    }

    private async Task<ScriptedSmtpServer> ServerAsync(ScriptedSmtpSettings settings)
    {
        await _server.DisposeAsync();
        return _server = new ScriptedSmtpServer(settings);
    }

    private SmtpConnectionPool Pool(Action<SmtpOptions>? configure = null)
    {
        var options = new SmtpOptions { Host = "127.0.0.1", Port = _server.Port, Timeout = TimeSpan.FromSeconds(10) };
        configure?.Invoke(options);
        var pool = new SmtpConnectionPool(Options.Create(options), NullLogger<SmtpConnectionPool>.Instance);
        _pools.Add(pool);
        return pool;
    }

    private static MimeMessage Letter(string to, string body = "Dear colleagues,\n\nall our solidarity.\n")
    {
        var message = new MimeMessage { Subject = "Solidarity with the miners" };
        message.From.Add(new MailboxAddress("International Miners' Coordination", "relay@relay.localhost"));
        message.To.Add(new MailboxAddress("Sintracarbón", to));
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    private static async Task<Exception> FailureAsync(Task send) =>
        await Assert.ThrowsAnyAsync<Exception>(() => send.WaitAsync(TimeSpan.FromSeconds(30)));

    [Fact]
    public async Task Connections_are_reused_so_many_messages_need_no_more_connections_than_the_pool_holds()
    {
        var pool = Pool(o => o.PoolSize = 2);

        await Task.WhenAll(Enumerable.Range(1, 12).Select(i => pool.SendAsync(Letter($"union{i}@unions.example.org"), CancellationToken.None)))
            .WaitAsync(TimeSpan.FromSeconds(60));
        for (var i = 13; i <= 15; i++)
            await pool.SendAsync(Letter($"union{i}@unions.example.org"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(15, _server.Messages.Count);
        Assert.InRange(_server.Connections, 1, 2);
    }

    [Fact]
    public async Task A_message_arrives_as_sent_including_lines_that_begin_with_a_dot()
    {
        var body = "Dear colleagues,\n.\n..and a line that begins with dots.\nSolidarity.\n";

        var reply = await Pool().SendAsync(Letter("sintracarbon@unions.example.org", body), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("2.0.0 Ok: queued as 1", reply);
        var received = Assert.Single(_server.Messages);
        // The dot lines went over the wire as they are (dot-stuffed, not encoded away) and came out whole.
        Assert.Contains("\r\n.\r\n..and a line that begins with dots.\r\n", received.Data);
        Assert.Equal(("relay@relay.localhost", "sintracarbon@unions.example.org"), (received.From, Assert.Single(received.To)));
        var parsed = await MimeMessage.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(received.Data)));
        Assert.Equal("Solidarity with the miners", parsed.Subject);
        Assert.Equal(body, parsed.TextBody?.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task With_pipelining_offered_rcpt_is_sent_before_the_server_has_answered_mail()
    {
        var pool = Pool();

        for (var i = 1; i <= 3; i++)
            await pool.SendAsync(Letter($"union{i}@unions.example.org"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, _server.Messages.Count);
        Assert.Equal(3, _server.PipelinedMailCommands);
    }

    [Fact]
    public async Task Without_pipelining_each_command_waits_for_the_reply_to_the_one_before()
    {
        await ServerAsync(new(Pipelining: false));
        var pool = Pool();

        for (var i = 1; i <= 2; i++)
            await pool.SendAsync(Letter($"union{i}@unions.example.org"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, _server.Messages.Count);
        Assert.Equal(0, _server.PipelinedMailCommands);
    }

    [Fact]
    public async Task A_refused_recipient_leaves_the_connection_usable_and_a_dropped_one_is_replaced()
    {
        _server.Script = to => to.StartsWith("busy") ? SmtpScript.TemporaryAtRcpt : to.StartsWith("drop") ? SmtpScript.DropAfterData : SmtpScript.Accept;
        var pool = Pool();

        Assert.IsType<MailKit.Net.Smtp.SmtpCommandException>(await FailureAsync(pool.SendAsync(Letter("busy@unions.example.org"), CancellationToken.None)));
        await pool.SendAsync(Letter("first@unions.example.org"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, _server.Connections);
        var dropped = await FailureAsync(pool.SendAsync(Letter("drop@unions.example.org"), CancellationToken.None));
        await pool.SendAsync(Letter("second@unions.example.org"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(DeliveryOutcome.Classify(dropped).Permanent, dropped.ToString());
        Assert.Equal(2, _server.Connections);
        Assert.Equal([1, 2], _server.Messages.Select(m => m.Connection));
    }

    [Theory]
    [InlineData("SHA256")]
    [InlineData("SHA1")]
    public async Task StartTls_and_authentication_by_configuration_deliver_over_tls_to_a_pinned_certificate(string hash)
    {
        await ServerAsync(new(StartTls: true, Username: "relay", Password: "s3cret pass"));
        var thumbprint = Convert.ToHexString(_server.Certificate.GetCertHash(new HashAlgorithmName(hash)));
        var pool = Pool(o => (o.Security, o.Username, o.Password, o.CertificateThumbprint) =
            (SecureSocketOptions.StartTls, "relay", "s3cret pass", string.Join(":", thumbprint.Chunk(2).Select(c => new string(c)))));

        await pool.SendAsync(Letter("sintracarbon@unions.example.org"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        var received = Assert.Single(_server.Messages);
        Assert.Equal((true, "relay"), (received.Secure, received.User));
        var commands = _server.CommandsOn(1).Select(c => c.Split(' ')[0].ToUpperInvariant()).ToList();
        Assert.True(commands.IndexOf("STARTTLS") < commands.IndexOf("AUTH"), string.Join(", ", commands));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF")]
    public async Task A_self_signed_certificate_that_is_not_the_pinned_one_is_refused_and_the_failure_is_temporary(string? thumbprint)
    {
        await ServerAsync(new(StartTls: true));
        var pool = Pool(o => (o.Security, o.CertificateThumbprint) = (SecureSocketOptions.StartTls, thumbprint));

        var error = await FailureAsync(pool.SendAsync(Letter("sintracarbon@unions.example.org"), CancellationToken.None));

        Assert.IsType<SslHandshakeException>(error);
        var outcome = DeliveryOutcome.Classify(error);
        Assert.False(outcome.Permanent);
        Assert.StartsWith("TLS with the SMTP server failed", outcome.Detail);
        Assert.Empty(_server.Messages);
    }

    [Fact]
    public async Task A_wrong_password_is_a_temporary_failure_that_says_authentication_failed_and_sends_nothing()
    {
        await ServerAsync(new(Username: "relay", Password: "right"));
        var pool = Pool(o => (o.Username, o.Password) = ("relay", "wrong"));

        var error = await FailureAsync(pool.SendAsync(Letter("sintracarbon@unions.example.org"), CancellationToken.None));
        // The failed connection is not kept: the next send authenticates again rather than sending without.
        var again = await FailureAsync(pool.SendAsync(Letter("sintracarbon@unions.example.org"), CancellationToken.None));

        Assert.IsType<AuthenticationException>(error);
        Assert.IsType<AuthenticationException>(again);
        var outcome = DeliveryOutcome.Classify(error);
        Assert.False(outcome.Permanent);
        Assert.Contains("authentication failed", outcome.Detail);
        Assert.Empty(_server.Messages);
        Assert.DoesNotContain(_server.CommandsOn(1).Concat(_server.CommandsOn(2)), c => c.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_send_waiting_for_a_free_connection_gives_up_within_the_timeout_counted_from_its_start()
    {
        // A server that accepts connections and never greets: the one pooled connection stays busy.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var pool = Pool(o => (o.Port, o.PoolSize, o.Timeout) = (((System.Net.IPEndPoint)silent.LocalEndpoint).Port, 1, TimeSpan.FromSeconds(2)));

        var first = pool.SendAsync(Letter("first@unions.example.org"), CancellationToken.None);
        await Task.Delay(200);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var queued = await FailureAsync(pool.SendAsync(Letter("second@unions.example.org"), CancellationToken.None));
        clock.Stop();

        Assert.IsType<TimeoutException>(await FailureAsync(first));
        Assert.IsType<TimeoutException>(queued);
        // Not a whole timeout more after waiting for the first (about 2 s + 1.8 s).
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(2.8));
    }
}
