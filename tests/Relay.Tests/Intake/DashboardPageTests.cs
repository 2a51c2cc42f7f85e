using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using RabbitMQ.Client;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>The coordinators' dashboard, on the intake in memory: its counts and verdict from the database, its broker parts from the real RabbitMQ.</summary>
public partial class DashboardPageTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    private const string Page = "/review/dashboard";

    private static async Task<HttpClient> SignedInAsync(WebApplicationFactory<Relay.Intake.IntakeOptions> factory, string key)
    {
        var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var signedIn = await browser.PostFormAsync("/review/sign-in", new Dictionary<string, string>
        {
            ["Name"] = "Ana Weber", ["Key"] = key, ["__RequestVerificationToken"] = PageForms.Token(await browser.GetStringAsync("/review/sign-in")),
        });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return browser;
    }

    /// <summary>The number in a status's row of one of the count tables.</summary>
    private static int CountIn(string page, string caption, string status)
    {
        var table = page[page.IndexOf($"<caption>{caption}</caption>", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("</table>", StringComparison.Ordinal)];
        return int.Parse(Regex.Match(table, $"<th scope=\"row\">{Regex.Escape(status)}</th><td>(\\d+)</td>").Groups[1].Value);
    }

    [Fact]
    public async Task The_dashboard_needs_a_signed_in_coordinator_and_is_linked_from_the_desk()
    {
        var anonymous = await app.Browser().GetAsync(Page);
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Equal("/review/sign-in", anonymous.Headers.Location!.AbsolutePath);
        // A key is for the API; the pages want a session.
        var withKey = app.Browser();
        withKey.DefaultRequestHeaders.Authorization = new("Bearer", app.CoordinatorKey);
        Assert.Equal(HttpStatusCode.Redirect, (await withKey.GetAsync(Page)).StatusCode);

        var browser = await SignedInAsync(app, app.CoordinatorKey);
        Assert.Contains($"<a href=\"{Page}\">Dashboard</a>", await browser.GetStringAsync("/review"));
        var page = await browser.GetStringAsync(Page);
        Assert.Contains("<h1>Dashboard</h1>", page);
        Assert.Contains("<meta http-equiv=\"refresh\" content=\"30\">", page);
    }

    [Fact]
    public async Task The_counts_come_from_the_database_and_the_last_day_is_charted()
    {
        var browser = await SignedInAsync(app, app.CoordinatorKey);
        var before = await browser.GetStringAsync(Page);
        var sentAt = DateTime.UtcNow;
        await using (var db = app.OpenDb())
        {
            var sender = await db.AddUnionAsync("Miners' Coordination", "en");
            var recipient = await db.AddUnionAsync("Sintracarbón", "es");
            await db.AddMessageAsync(sender, [recipient], MessageStatus.Rejected);
            await db.AddMessageAsync(sender, [recipient], MessageStatus.Rejected);
            var delivered = await db.AddMessageAsync(sender, [recipient], MessageStatus.Delivered);
            delivered.ReceivedAt = sentAt.AddMinutes(-3);
            db.Deliveries.Add(new Relay.Storage.Delivery
            {
                Id = Guid.NewGuid(), MessageId = delivered.Id, RecipientUnionId = recipient.Id, Address = recipient.Email, Language = "es",
                Status = DeliveryStatus.Suppressed, At = DateTime.UtcNow, EmailMessageId = $"{Guid.NewGuid():N}@relay.test",
            });
            db.Deliveries.Add(new Relay.Storage.Delivery
            {
                Id = Guid.NewGuid(), MessageId = delivered.Id, RecipientUnionId = sender.Id, Address = sender.Email, Language = "en",
                Status = DeliveryStatus.Sent, At = sentAt, EmailMessageId = $"{Guid.NewGuid():N}@relay.test",
            });
            await db.SaveChangesAsync();
        }

        var after = await browser.GetStringAsync(Page);

        Assert.Equal(2, CountIn(after, "Messages by status", MessageStatus.Rejected) - CountIn(before, "Messages by status", MessageStatus.Rejected));
        Assert.Equal(1, CountIn(after, "Messages by status", MessageStatus.Delivered) - CountIn(before, "Messages by status", MessageStatus.Delivered));
        Assert.Equal(1, CountIn(after, "Deliveries by status", DeliveryStatus.Suppressed) - CountIn(before, "Deliveries by status", DeliveryStatus.Suppressed));
        Assert.Contains("role=\"img\" aria-labelledby=\"throughput-title throughput-desc\"", after);
        Assert.Contains("<title id=\"throughput-title\">Messages received and delivered per hour</title>", after);
        // The one message delivered (in this class's database) took three minutes: its hour's median in the table of numbers.
        var hour = sentAt.ToString("yyyy-MM-dd HH:00");
        var row = Regex.Match(after, $"<th scope=\"row\">{hour}</th><td>(\\d+)</td><td>(\\d+)</td><td>([\\d.]*)</td>");
        Assert.True(row.Success, "the hour's row is missing");
        Assert.Equal(("1", "3"), (row.Groups[2].Value, row.Groups[3].Value));
    }

    [Fact]
    public async Task A_message_stuck_in_a_status_and_a_failing_delivery_are_named_with_their_place()
    {
        var browser = await SignedInAsync(app, app.CoordinatorKey);
        Guid id;
        await using (var db = app.OpenDb())
        {
            var sender = await db.AddUnionAsync("Miners' Coordination", "en");
            var recipient = await db.AddUnionAsync("Sindicato <Mineros>", "es");
            var stuck = await db.AddMessageAsync(sender, [recipient], MessageStatus.Approved);
            (stuck.ReceivedAt, stuck.UpdatedAt) = (DateTime.UtcNow.AddHours(-2), DateTime.UtcNow.AddMinutes(-45));
            db.Deliveries.Add(new Relay.Storage.Delivery
            {
                Id = Guid.NewGuid(), MessageId = stuck.Id, RecipientUnionId = recipient.Id, Address = recipient.Email, Language = "es",
                Status = DeliveryStatus.Deferred, Attempts = 3, At = DateTime.UtcNow.AddMinutes(-5), NextAttemptAt = DateTime.UtcNow.AddMinutes(25),
                Detail = "451 4.7.1 <script>alert('greylisted')</script>", EmailMessageId = $"{Guid.NewGuid():N}@relay.test",
            });
            await db.SaveChangesAsync();
            id = stuck.Id;
        }

        var page = await browser.GetStringAsync(Page);

        Assert.Contains("<strong>approved</strong>: ", page);
        Assert.Matches(@"\d+ messages? approved but not delivered; the oldest unchanged for (4[5-9]|[5-9]\d) minutes\.", page);
        Assert.Contains("<strong>deferred</strong>: ", page);
        Assert.DoesNotContain("Nothing is stuck.", page);
        var failing = page[page.IndexOf("<h2 id=\"failing\">", StringComparison.Ordinal)..page.IndexOf("<h2 id=\"errors\">", StringComparison.Ordinal)];
        Assert.Contains($"<a href=\"/review/messages/{id}\">", failing);
        Assert.Contains("Sindicato &lt;Mineros&gt;", failing);
        Assert.Contains("<code>451 4.7.1 &lt;script&gt;alert(&#x27;greylisted&#x27;)&lt;/script&gt;</code>", failing);
        Assert.DoesNotContain("<script>", page);
    }

    [Fact]
    public async Task A_management_api_that_does_not_answer_is_said_and_the_page_still_renders_in_time()
    {
        // Accepts connections and never answers: the dashboard's own timeout, not the client's ten seconds, ends the wait.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<Socket>();
        _ = Task.Run(async () => { while (true) accepted.Add(await silent.AcceptSocketAsync()); });
        var url = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        await using var factory = app.WithWebHostBuilder(b => b.UseSetting("RabbitMq:ManagementUrl", url).UseSetting("Dashboard:ManagementTimeout", "00:00:00.500"));
        var browser = await SignedInAsync(factory, app.CoordinatorKey);

        var clock = Stopwatch.StartNew();
        var response = await browser.GetAsync(Page);
        clock.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains($"<strong>broker</strong>: The broker&#x27;s management API does not answer (no answer from {url} within 0.5 s)", page);
        Assert.Contains("The broker's management API does not answer", page[page.IndexOf("<h2 id=\"queues\">", StringComparison.Ordinal)..]);
        Assert.Contains("<caption>Messages by status</caption>", page);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the page took {clock.Elapsed}");
        Assert.NotEmpty(accepted);
    }

    [Fact]
    public async Task A_message_in_an_error_queue_is_listed_with_its_fault_peeked_without_loss_and_replayed_from_the_page()
    {
        var queue = $"dashboard-test-{Guid.NewGuid():N}";
        var error = queue + "_error";
        await using var connection = await LocalServices.RabbitMq.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueDeclareAsync(error, durable: true, exclusive: false, autoDelete: false);
        try
        {
            var messageId = Guid.NewGuid();
            var body = $$$"""{"messageId":"{{{messageId}}}","messageType":["urn:message:Relay.Contracts:MessageApproved"],"message":{"messageId":"{{{Guid.NewGuid()}}}"}}""";
            await channel.BasicPublishAsync("", error, mandatory: true, new BasicProperties
            {
                ContentType = "application/vnd.masstransit+json", Persistent = true, MessageId = messageId.ToString(),
                Headers = new Dictionary<string, object?>
                {
                    ["MT-Reason"] = "fault", ["MT-Fault-ExceptionType"] = "System.InvalidOperationException",
                    ["MT-Fault-Message"] = "Message <b>is not</b> in the database.", ["MT-Host-MachineName"] = "w1",
                },
            }, Encoding.UTF8.GetBytes(body));
            var browser = await SignedInAsync(app, app.CoordinatorKey);

            // The management API's counts lag the queue by a few seconds.
            var page = "";
            for (var i = 0; i < 60 && !page.Contains($"<strong>{error}</strong>: 1 message a consumer of {queue} gave up on", StringComparison.Ordinal); i++, await Task.Delay(250))
                page = await browser.GetStringAsync(Page);
            Assert.Contains($"<strong>{error}</strong>: 1 message a consumer of {queue} gave up on after its retries.", page);
            Assert.Contains($"<h3 id=\"q-{error}\">{error}</h3>", page);

            var peek = await browser.GetStringAsync($"{Page}?Peek={error}");
            Assert.Contains("<td>Relay.Contracts:MessageApproved</td>", peek);
            Assert.Contains($"<code>{messageId}</code>", peek);
            Assert.Contains("<code>System.InvalidOperationException</code>: Message &lt;b&gt;is not&lt;/b&gt; in the database.", peek);
            Assert.DoesNotContain("http-equiv=\"refresh\"", peek);
            // Read and put back: still there.
            Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync(error)).MessageCount);

            var replay = await browser.PostFormAsync($"{Page}?handler=Replay", new Dictionary<string, string>
            {
                ["Queue"] = queue, ["__RequestVerificationToken"] = PageForms.Token(peek),
            });
            Assert.Equal(HttpStatusCode.Redirect, replay.StatusCode);
            Assert.Contains($"Moved 1 message from {error} back to {queue}.", await browser.GetStringAsync(replay.Headers.Location!.OriginalString));
            Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync(error)).MessageCount);
            var back = await channel.BasicGetAsync(queue, autoAck: true);
            Assert.NotNull(back);
            Assert.Equal(body, Encoding.UTF8.GetString(back.Body.Span));

            // Without the token nothing is moved; a queue that does not exist is said to be missing.
            Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostFormAsync($"{Page}?handler=Replay", new Dictionary<string, string> { ["Queue"] = queue })).StatusCode);
            var missing = await browser.PostFormAsync($"{Page}?handler=Replay", new Dictionary<string, string>
            {
                ["Queue"] = "no-such-" + queue, ["__RequestVerificationToken"] = PageForms.Token(peek),
            });
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Contains($"There is no queue no-such-{queue}", await missing.Content.ReadAsStringAsync());
        }
        finally
        {
            await channel.QueueDeleteAsync(queue);
            await channel.QueueDeleteAsync(error);
        }
    }
}
