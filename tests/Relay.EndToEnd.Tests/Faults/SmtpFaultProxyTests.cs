using System.Net.Http.Json;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Relay.EndToEnd.Tests.Faults;

/// <summary>Each fault of <see cref="SmtpFaultProxy"/>, seen by MailKit in front of the real maildev.</summary>
public class SmtpFaultProxyTests
{
    private static readonly int SmtpPort = int.Parse(Env("RELAY_TEST_SMTP_PORT", "1025"));
    private static readonly string MaildevUrl = Env("RELAY_TEST_MAILDEV", "http://127.0.0.1:1080");

    [Fact]
    public async Task A_mail_through_the_proxy_arrives_once()
    {
        await using var proxy = new SmtpFaultProxy(SmtpPort);
        var to = UniqueAddress();

        using var client = await ConnectAsync(proxy);
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        await client.SendAsync(Mail(to));

        await WaitForMailsAsync(to, 1);
        Assert.Equal(1, proxy.Accepted);
    }

    [Fact]
    public async Task A_temporary_failure_answers_every_recipient_451_and_nothing_arrives()
    {
        await using var proxy = new SmtpFaultProxy(SmtpPort) { TemporaryFailure = true };
        var to = UniqueAddress();

        using var client = await ConnectAsync(proxy);
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Mail(to)));
        await client.DisconnectAsync(quit: true);

        Assert.Equal(451, (int)refused.StatusCode);
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, refused.ErrorCode);
        Assert.Equal(1, proxy.TemporaryFailures);
        Assert.Empty(await MailsToAsync(to));
    }

    [Fact]
    public async Task The_refused_recipient_is_answered_550()
    {
        var to = UniqueAddress();
        var refusedAddress = UniqueAddress();
        await using var proxy = new SmtpFaultProxy(SmtpPort) { RefusedRecipient = refusedAddress.ToUpperInvariant() };

        using var client = await ConnectAsync(proxy);
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Mail(to, refusedAddress)));
        Assert.Equal(550, (int)refused.StatusCode);
        Assert.Equal(refusedAddress, refused.Mailbox?.Address);
        Assert.Equal(1, proxy.Refusals);

        await client.SendAsync(Mail(to));
        await WaitForMailsAsync(to, 1);
    }

    [Fact]
    public async Task A_drop_after_data_fails_the_send_though_the_mail_arrived_and_the_next_connection_works()
    {
        await using var proxy = new SmtpFaultProxy(SmtpPort) { DropAfterDataCount = 1 };
        var first = UniqueAddress();
        var second = UniqueAddress();

        using (var client = await ConnectAsync(proxy))
        {
            await Assert.ThrowsAsync<SmtpProtocolException>(() => client.SendAsync(Mail(first)));
            Assert.False(client.IsConnected);
        }
        await WaitForMailsAsync(first, 1);

        using (var client = await ConnectAsync(proxy))
            await client.SendAsync(Mail(second));
        await WaitForMailsAsync(second, 1);

        Assert.Equal(1, proxy.DroppedAfterData);
        Assert.Equal(1, proxy.Accepted);
        Assert.Single(await MailsToAsync(first));
    }

    private static async Task<SmtpClient> ConnectAsync(SmtpFaultProxy proxy)
    {
        var client = new SmtpClient { Timeout = 10_000 };
        await client.ConnectAsync("127.0.0.1", proxy.Port, SecureSocketOptions.None);
        return client;
    }

    private static string UniqueAddress() => $"fault-{Guid.NewGuid():N}@example.org";

    private static MimeMessage Mail(params string[] to)
    {
        var message = new MimeMessage { Subject = "Fault proxy test", Body = new TextPart("plain") { Text = "Solidarity." } };
        message.From.Add(MailboxAddress.Parse("relay@example.org"));
        foreach (var address in to)
            message.To.Add(MailboxAddress.Parse(address));
        return message;
    }

    private static async Task<List<JsonElement>> MailsToAsync(string address)
    {
        using var maildev = new HttpClient { BaseAddress = new Uri(MaildevUrl) };
        return (await maildev.GetFromJsonAsync<List<JsonElement>>("/api/email"))!
            .Where(m => m.GetProperty("to").EnumerateArray().Any(t => t.GetProperty("address").GetString() == address))
            .ToList();
    }

    /// <summary>Waits until maildev has mail to the address, then checks it is exactly this many.</summary>
    private static async Task WaitForMailsAsync(string address, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await MailsToAsync(address)).Count < count && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        await Task.Delay(500);
        Assert.Equal(count, (await MailsToAsync(address)).Count);
    }

    private static string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;
}
