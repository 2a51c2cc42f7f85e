using System.Net;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Relay.Delivery;
using Relay.Tests.Support;

namespace Relay.Tests.Observability;

/// <summary>Every worker answers /health/live, /health/ready (its own dependencies) and /metrics.</summary>
public class WorkerHealthTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();
    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Delivery_is_ready_only_while_the_smtp_server_answers()
    {
        await using (var down = new WorkerApplication<SmtpOptions>(_database, ("Smtp:Port", NobodyListens().ToString())))
        {
            var client = await down.ClientAsync();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
            var ready = await client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }
        await using var up = new WorkerApplication<SmtpOptions>(_database, ("Smtp:Port", LocalServices.SmtpPort.ToString()));
        Assert.Equal(HttpStatusCode.OK, (await (await up.ClientAsync()).GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Translation_is_ready_only_while_apertium_answers()
    {
        await using (var down = new WorkerApplication<Relay.Translation.TranslationOptions>(_database,
            ("Apertium:Url", $"http://127.0.0.1:{NobodyListens()}")))
        {
            var ready = await (await down.ClientAsync()).GetAsync("/health/ready");
            Assert.True(ready.StatusCode == HttpStatusCode.ServiceUnavailable, await ready.Content.ReadAsStringAsync());
        }
        await using var up = new WorkerApplication<Relay.Translation.TranslationOptions>(_database, ("Apertium:Url", LocalServices.ApertiumUrl));
        Assert.Equal(HttpStatusCode.OK, (await (await up.ClientAsync()).GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Moderation_and_publication_are_live_and_ready_on_database_and_broker()
    {
        await using var moderation = new WorkerApplication<Relay.Moderation.ModerationOptions>(_database);
        await using var publication = new WorkerApplication<Relay.Publication.PublicationOptions>(_database);
        foreach (var client in new[] { await moderation.ClientAsync(), await publication.ClientAsync() })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        }
    }

    [Fact]
    public async Task Metrics_count_the_emails_sent_and_refused_by_outcome()
    {
        await using var delivery = new WorkerApplication<SmtpOptions>(_database, ("Smtp:Port", LocalServices.SmtpPort.ToString()));
        var client = await delivery.ClientAsync();
        var pool = delivery.Services.GetRequiredService<SmtpConnectionPool>();
        var email = new MimeMessage();
        email.From.Add(MailboxAddress.Parse("relay@relay.test"));
        email.To.Add(MailboxAddress.Parse("union@unions.example.org"));
        email.Subject = "Metrics";
        email.Body = new TextPart("plain") { Text = "Solidarity." };
        await pool.SendAsync(email, CancellationToken.None);

        var metrics = await client.GetStringAsync("/metrics");
        var sent = metrics.Split('\n').Single(l => l.StartsWith("relay_deliveries_total{") && l.Contains("outcome=\"sent\""));
        Assert.True(double.Parse(sent.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture) >= 1, sent);
        // The runtime's meter is on the same endpoint.
        Assert.Contains("dotnet_gc_", metrics);
    }

    private static int NobodyListens()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
