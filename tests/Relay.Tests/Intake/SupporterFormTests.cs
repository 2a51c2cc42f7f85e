using System.Net;
using System.Text.Json;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>The supporters' form (/support) and the confirmation link (/confirm/{token}): double opt-in, on the intake in memory.</summary>
public class SupporterFormTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    private async Task<Guid> CreateUnionAsync(string name)
    {
        var response = await app.ClientWithKey(app.CoordinatorKey).PostAsJsonAsync("/api/unions",
            new { name = $"{name} {Guid.NewGuid().ToString("N")[..6]}", country = "CO", languages = new[] { "es" }, email = $"u{Guid.NewGuid():N}@unions.example.org" });
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static Dictionary<string, string> Letter(string page, Guid recipient, string email, string name = "Ana Souza") => new()
    {
        ["__RequestVerificationToken"] = PageForms.Token(page),
        ["FormKey"] = PageForms.FormKey(page),
        ["Name"] = name,
        ["Organisation"] = "Comité de solidaridad de Lisboa",
        ["Email"] = email,
        ["Recipients"] = recipient.ToString(),
        ["Title"] = Seeds.Cerrejon.Title,
        ["Body"] = Seeds.Cerrejon.Body,
        ["Language"] = "en",
    };

    private async Task<int> EventsAsync<T>(Guid messageId)
    {
        await using var db = app.OpenDb();
        return (await db.Outbox.Where(o => o.EventType == typeof(T).FullName).ToListAsync()).Count(o => o.Payload.Contains(messageId.ToString()));
    }

    [Fact]
    public async Task A_supporters_message_waits_for_the_emailed_link_and_goes_on_once_when_confirmed()
    {
        var recipient = await CreateUnionAsync("Sintracarbón");
        var email = $"Ana.{Guid.NewGuid():N}@Example.org";
        var browser = app.Browser();
        var form = await browser.GetStringAsync("/support");

        var sent = await browser.PostFormAsync("/support", Letter(form, recipient, email));
        var again = await browser.PostFormAsync("/support", Letter(form, recipient, email)); // a double click

        Assert.True(sent.StatusCode == HttpStatusCode.OK, await sent.Content.ReadAsStringAsync());
        Assert.Contains($"We sent a link to <strong>{email}</strong>", await sent.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        SolidarityMessage message;
        await using (var db = app.OpenDb())
        {
            message = await db.Messages.Include(m => m.Supporter).Include(m => m.Recipients).SingleAsync(m => m.Supporter!.Email == email.ToLowerInvariant());
            Assert.Null(message.SenderUnionId);
            Assert.Equal(MessageStatus.AwaitingConfirmation, message.Status);
            Assert.Equal(MessageChannel.SupporterForm, message.Channel);
            Assert.Equal(email, message.ConfirmationAddress);
            Assert.Equal("Ana Souza (Comité de solidaridad de Lisboa)", message.SenderName);
            Assert.Equal(recipient, Assert.Single(message.Recipients).UnionId);
        }
        Assert.Equal(1, await EventsAsync<ConfirmationRequested>(message.Id));
        Assert.Equal(0, await EventsAsync<MessageSubmitted>(message.Id));

        // Opening the link (as a mail scanner would) changes nothing; the button confirms.
        var link = new Uri(TestSecrets.ConfirmationLinks.Url("http://localhost", message.Id)).AbsolutePath;
        var confirmPage = await browser.GetStringAsync(link);
        Assert.Contains("Confirm and send", confirmPage);
        Assert.Contains(Seeds.Cerrejon.Title, confirmPage);
        Assert.Equal(0, await EventsAsync<MessageSubmitted>(message.Id));

        var confirmed = await browser.PostFormAsync(link, new Dictionary<string, string> { ["__RequestVerificationToken"] = PageForms.Token(confirmPage) });
        var twice = await browser.PostFormAsync(link, new Dictionary<string, string> { ["__RequestVerificationToken"] = PageForms.Token(confirmPage) });

        Assert.Contains("the message is confirmed and goes on", await confirmed.Content.ReadAsStringAsync());
        Assert.DoesNotContain("Confirm and send", await twice.Content.ReadAsStringAsync());
        await using (var db = app.OpenDb())
        {
            var now = await db.Messages.SingleAsync(m => m.Id == message.Id);
            Assert.Equal(MessageStatus.Received, now.Status);
            Assert.NotNull(now.ConfirmedAt);
        }
        Assert.Equal(1, await EventsAsync<MessageSubmitted>(message.Id));
    }

    [Fact]
    public async Task Bad_input_is_shown_next_to_its_field_keeps_what_was_typed_and_stores_nothing()
    {
        var recipient = await CreateUnionAsync("CUT");
        var browser = app.Browser();
        var form = await browser.GetStringAsync("/support");
        var fields = Letter(form, recipient, "not an address", name: " ");
        fields["Title"] = "Solidaridad <script>alert(1)</script>";

        var response = await browser.PostFormAsync("/support", fields);
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("id=\"email-error\"", page);
        Assert.Contains("id=\"name-error\"", page);
        Assert.Contains("aria-describedby=\"email-hint email-error\"", page);
        Assert.Contains("value=\"Solidaridad &lt;script&gt;alert(1)&lt;/script&gt;\"", page);
        Assert.DoesNotContain("<script>alert(1)", page);
        await using var db = app.OpenDb();
        Assert.False(await db.Messages.AnyAsync(m => m.Title.StartsWith("Solidaridad <script>")));
    }

    [Fact]
    public async Task A_form_filled_by_a_bot_in_the_hidden_field_is_answered_alike_and_stores_nothing()
    {
        var recipient = await CreateUnionAsync("FUP");
        var email = $"bot.{Guid.NewGuid():N}@example.org";
        var browser = app.Browser();
        var fields = Letter(await browser.GetStringAsync("/support"), recipient, email);
        fields["Website"] = "http://spam.example";

        var response = await browser.PostFormAsync("/support", fields);

        Assert.Contains("Check your email", await response.Content.ReadAsStringAsync());
        await using var db = app.OpenDb();
        Assert.False(await db.Supporters.AnyAsync(s => s.Email == email));
    }

    [Fact]
    public async Task A_link_relay_did_not_make_is_unknown_and_an_expired_one_confirms_nothing()
    {
        var browser = app.Browser();
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).StatusCode);
        var forged = TestSecrets.ConfirmationLinks.Url("http://localhost", Guid.NewGuid());
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(new Uri(forged).AbsolutePath)).StatusCode);

        Guid id;
        await using (var db = app.OpenDb())
        {
            var recipient = await db.AddUnionAsync("Sindicato", "es");
            var old = DateTime.UtcNow.AddDays(-8);
            var message = new SolidarityMessage
            {
                Id = Guid.NewGuid(), Title = "Old", Body = "Solidarity with the miners.", Status = MessageStatus.AwaitingConfirmation,
                Supporter = new Supporter { Id = Guid.NewGuid(), Name = "Late", Email = $"late.{Guid.NewGuid():N}@example.org", CreatedAt = old },
                Channel = MessageChannel.SupporterForm, ConfirmationAddress = "late@example.org", ReceivedAt = old, UpdatedAt = old,
                Recipients = [new MessageRecipient { UnionId = recipient.Id }],
            };
            db.Messages.Add(message);
            await db.SaveChangesAsync();
            id = message.Id;
        }
        var link = new Uri(TestSecrets.ConfirmationLinks.Url("http://localhost", id)).AbsolutePath;
        var page = await browser.GetStringAsync(link);
        Assert.Contains("This link expired", page);
        Assert.DoesNotContain("Confirm and send", page);

        var posted = await browser.PostFormAsync(link, new Dictionary<string, string> { ["__RequestVerificationToken"] = PageForms.Token(await browser.GetStringAsync("/support")) });
        Assert.Contains("This link expired", await posted.Content.ReadAsStringAsync());
        await using var check = app.OpenDb();
        Assert.Equal(MessageStatus.AwaitingConfirmation, (await check.Messages.SingleAsync(m => m.Id == id)).Status);
        Assert.Equal(0, await EventsAsync<MessageSubmitted>(id));
    }
}
