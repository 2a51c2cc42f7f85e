using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Relay.Tests.Support;

namespace Relay.EndToEnd.Tests;

/// <summary>The walk-through of a new user, over real processes and services.</summary>
public class SolidarityMessageJourneyTests(RelayProcesses relay) : IClassFixture<RelayProcesses>
{
    [Fact]
    public async Task An_english_letter_reaches_a_spanish_union_in_spanish_and_is_published_in_both_languages()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var senderEmail = $"imc-{tag}@miners.example.org";
        var recipientEmail = $"sintracarbon-{tag}@unions.example.org";
        var sender = await relay.Api.CreateUnionAsync(relay.CoordinatorKey, $"International Miners' Coordination {tag}", "en", senderEmail, "DE");
        var recipient = await relay.Api.CreateUnionAsync(relay.CoordinatorKey, $"Sintracarbón {tag}", "es", recipientEmail);

        var letter = Seeds.Cerrejon;
        var id = await relay.Api.SubmitAsync(sender.GetProperty("apiKey").GetString()!,
            new { recipients = new[] { recipient.GetProperty("id").GetGuid() }, title = letter.Title, body = letter.Body, language = "en", author = "Andreas", publish = true });

        var status = await WaitForStatusAsync(id, sender.GetProperty("apiKey").GetString()!, "delivered");
        var spanish = Assert.Single(status.GetProperty("translations").EnumerateArray(), t => t.GetProperty("language").GetString() == "es");
        Assert.Equal(("machine", "apertium"), (spanish.GetProperty("origin").GetString(), spanish.GetProperty("provider").GetString()));
        Assert.Equal("approve", status.GetProperty("moderation").GetProperty("decision").GetString());
        var delivery = Assert.Single(status.GetProperty("deliveries").EnumerateArray());
        Assert.Equal(("es", "sent"), (delivery.GetProperty("language").GetString(), delivery.GetProperty("status").GetString()));

        // The email, in Spanish, with the English original below, replying to the sender.
        using var maildev = new HttpClient { BaseAddress = new Uri(RelayProcesses.MaildevUrl) };
        var emails = (await maildev.GetFromJsonAsync<List<JsonElement>>("/api/email"))!
            .Where(m => m.GetProperty("to").EnumerateArray().Any(t => t.GetProperty("address").GetString() == recipientEmail)).ToList();
        var email = Assert.Single(emails);
        Assert.Equal(spanish.GetProperty("title").GetString(), email.GetProperty("subject").GetString());
        var source = (await maildev.GetStringAsync($"/api/email/{email.GetProperty("id").GetString()}/source")).Replace("\r\n", "\n");
        // Unfold headers (RFC 5322 folds long ones onto indented lines), then look at each.
        var headers = source[..source.IndexOf("\n\n", StringComparison.Ordinal)].Replace("\n ", " ").Replace("\n\t", " ").Split('\n');
        Assert.Contains(headers, h => h.StartsWith("Reply-To:", StringComparison.Ordinal) && h.Contains($"<{senderEmail}>"));
        Assert.Contains(headers, h => h.StartsWith("From:", StringComparison.Ordinal) && h.Contains($"International Miners' Coordination {tag}"));
        var translated = source.IndexOf("Traducción automática de Apertium", StringComparison.Ordinal);
        var original = source.IndexOf("Original (English):", StringComparison.Ordinal);
        var englishText = source.IndexOf(letter.Body.Split("\n\n")[0][..60], StringComparison.Ordinal);
        Assert.True(translated > 0 && original > translated && englishText > original, source);

        // Published, in both languages.
        var publication = await WaitForPublicationAsync(id, sender.GetProperty("apiKey").GetString()!);
        Assert.EndsWith($"/messages/{id}", publication);
        var pageEs = await relay.Http.GetStringAsync($"{relay.BaseUrl}/messages/{id}?lang=es");
        Assert.Contains(WebUtility.HtmlEncode(spanish.GetProperty("title").GetString()!), pageEs);
        Assert.Contains(WebUtility.HtmlEncode(letter.Title), pageEs);
        var pageEn = await relay.Http.GetStringAsync($"{relay.BaseUrl}/messages/{id}?lang=en");
        Assert.Contains(WebUtility.HtmlEncode(letter.Title), pageEn);
        Assert.Contains("Original text, written in English", pageEn);
        var index = await relay.Http.GetStringAsync($"{relay.BaseUrl}/?lang=es");
        Assert.Contains($"/messages/{id}?lang=es", index);
        var feed = await relay.Http.GetStringAsync($"{relay.BaseUrl}/feed.atom?lang=es");
        Assert.Contains($"urn:uuid:{id}", feed);
    }

    [Fact]
    public async Task A_union_that_opts_out_through_the_link_in_its_email_receives_nothing_more_and_the_sender_sees_why()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var senderEmail = $"zp-{tag}@unions.example.org";
        var recipientEmail = $"cgt-{tag}@unions.example.org";
        var sender = await relay.Api.CreateUnionAsync(relay.CoordinatorKey, $"Zakhyst Pratsi {tag}", "en", senderEmail, "UA");
        var recipient = await relay.Api.CreateUnionAsync(relay.CoordinatorKey, $"CGT {tag}", "en", recipientEmail, "ES");
        var key = sender.GetProperty("apiKey").GetString()!;
        object Letter(string title, string body) => new { recipients = new[] { recipient.GetProperty("id").GetGuid() }, title, body, language = "en" };

        await WaitForStatusAsync(await relay.Api.SubmitAsync(key, Letter($"First letter {tag}", Seeds.Cerrejon.Body)), key, "delivered");

        // The email's List-Unsubscribe, posted as a mail program does (RFC 8058).
        using var maildev = new HttpClient { BaseAddress = new Uri(RelayProcesses.MaildevUrl) };
        var email = Assert.Single((await maildev.GetFromJsonAsync<List<JsonElement>>("/api/email"))!,
            m => m.GetProperty("to").EnumerateArray().Any(t => t.GetProperty("address").GetString() == recipientEmail));
        var source = (await maildev.GetStringAsync($"/api/email/{email.GetProperty("id").GetString()}/source")).Replace("\r\n", "\n");
        var headers = source[..source.IndexOf("\n\n", StringComparison.Ordinal)].Replace("\n ", " ").Replace("\n\t", " ").Split('\n');
        Assert.Contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click", headers);
        var link = headers.Single(h => h.StartsWith("List-Unsubscribe:", StringComparison.Ordinal))["List-Unsubscribe:".Length..].Trim().Trim('<', '>');
        Assert.StartsWith($"{relay.BaseUrl}/preferences/", link);
        Assert.Contains(link, source.Replace("=\n", "")); // the visible link too
        var optOut = await relay.Http.PostAsync(link, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.OK, optOut.StatusCode);

        // Another text: the same one again within a day would be held as a duplicate.
        var second = await relay.Api.SubmitAsync(key, Letter($"Second letter {tag}", Seeds.Letters.First(l => l.Body != Seeds.Cerrejon.Body).Body));
        var status = await WaitForStatusAsync(second, key, "failed");
        var delivery = Assert.Single(status.GetProperty("deliveries").EnumerateArray());
        Assert.Equal("suppressed", delivery.GetProperty("status").GetString());
        Assert.StartsWith("opted out on ", delivery.GetProperty("detail").GetString());
        var toRecipient = (await maildev.GetFromJsonAsync<List<JsonElement>>("/api/email"))!
            .Count(m => m.GetProperty("to").EnumerateArray().Any(t => t.GetProperty("address").GetString() == recipientEmail));
        Assert.Equal(1, toRecipient);

        // The sender hears of both: one summary per message.
        for (var i = 0; i < 80; i++)
        {
            var subjects = (await maildev.GetFromJsonAsync<List<JsonElement>>("/api/email"))!
                .Where(m => m.GetProperty("to").EnumerateArray().Any(t => t.GetProperty("address").GetString() == senderEmail))
                .Select(m => m.GetProperty("subject").GetString()).OrderBy(x => x).ToList();
            if (subjects.Count >= 2)
            {
                Assert.Equal([$"Delivered: First letter {tag}", $"Not delivered: Second letter {tag}"], subjects);
                return;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"the sender's summaries never arrived\n{relay.Logs()}");
    }

    private async Task<JsonElement> WaitForStatusAsync(Guid id, string key, string wanted)
    {
        var seen = new List<string>();
        for (var i = 0; i < 240; i++)
        {
            var status = await relay.Api.StatusAsync(id, key);
            var current = status.GetProperty("status").GetString()!;
            if (seen.Count == 0 || seen[^1] != current)
                seen.Add(current);
            if (current == wanted)
                return status;
            if (current is "rejected" or "failed" or "held")
                break;
            await Task.Delay(250);
        }
        Assert.Fail($"message {id} went {string.Join(" → ", seen)}, never {wanted}\n{relay.Logs()}");
        return default;
    }

    private async Task<string> WaitForPublicationAsync(Guid id, string key)
    {
        for (var i = 0; i < 120; i++)
        {
            var status = await relay.Api.StatusAsync(id, key);
            if (status.GetProperty("publication").GetProperty("url").GetString() is { } url)
                return url;
            await Task.Delay(250);
        }
        Assert.Fail($"message {id} was never published\n{relay.Logs()}");
        return "";
    }
}
