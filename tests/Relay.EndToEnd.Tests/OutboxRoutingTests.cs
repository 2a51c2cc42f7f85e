using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Relay.EndToEnd.Tests;

/// <summary>The relay with only its intake running, on a broker where no worker has ever bound a queue.</summary>
public sealed class IntakeOnly : RelayProcesses
{
    public override Task InitializeAsync() => StartIntakeAsync();
}

public class OutboxRoutingTests(IntakeOnly relay) : IClassFixture<IntakeOnly>
{
    [Fact]
    public async Task A_message_accepted_before_any_worker_ran_is_kept_and_goes_through_once_they_start()
    {
        var coordinator = relay.CoordinatorKey;
        async Task<JsonElement> Union(string name, string language)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, relay.BaseUrl + "/api/unions")
            {
                Content = JsonContent.Create(new { name, country = "CO", languages = new[] { language }, email = $"u{Guid.NewGuid():N}@unions.example.org" }),
            };
            request.Headers.Authorization = new("Bearer", coordinator);
            using var response = await relay.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }
        var sender = await Union("Miners' Coordination", "en");
        var recipient = await Union("Sintracarbón", "es");
        var key = sender.GetProperty("apiKey").GetString()!;

        using var submit = new HttpRequestMessage(HttpMethod.Post, relay.BaseUrl + "/api/messages")
        {
            Content = JsonContent.Create(new { recipients = new[] { recipient.GetProperty("id").GetGuid() }, title = "Solidarity", body = "Dear colleagues, you have our fullest solidarity in your strike.", language = "en" }),
        };
        submit.Headers.Authorization = new("Bearer", key);
        using var accepted = await relay.Http.SendAsync(submit);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // No queue is bound to MessageSubmitted yet: the broker returns the event, the outbox keeps it.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("received", await StatusAsync(id, key));

        await relay.StartWorkersAsync();

        for (var i = 0; i < 240 && await StatusAsync(id, key) != "delivered"; i++)
            await Task.Delay(250);
        Assert.True(await StatusAsync(id, key) == "delivered", relay.Logs());
    }

    private async Task<string> StatusAsync(Guid id, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{relay.BaseUrl}/api/messages/{id}");
        request.Headers.Authorization = new("Bearer", key);
        using var response = await relay.Http.SendAsync(request);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString()!;
    }
}
