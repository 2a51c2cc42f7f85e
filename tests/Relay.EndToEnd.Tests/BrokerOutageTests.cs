using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Relay.EndToEnd.Tests;

/// <summary>The relay with its intake reaching RabbitMQ through a gate the test can cut.</summary>
public sealed class IntakeBehindGate : RelayProcesses
{
    public TcpGate Gate { get; } = new(int.Parse(Environment.GetEnvironmentVariable("RELAY_TEST_RABBITMQ_PORT") is { Length: > 0 } p ? p : "5672"));

    protected override IEnumerable<(string Name, string Value)> Settings(string service) =>
        service == "Relay.Intake" ? [("RabbitMq__Port", Gate.Port.ToString())] : [];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Gate.DisposeAsync();
    }
}

public class BrokerOutageTests(IntakeBehindGate relay) : IClassFixture<IntakeBehindGate>
{
    [Fact]
    public async Task A_message_accepted_while_the_broker_is_unreachable_goes_through_when_it_returns()
    {
        var sender = await UnionAsync("Miners' Coordination", "en");
        var recipient = await UnionAsync("Sintracarbón", "es");
        var key = sender.GetProperty("apiKey").GetString()!;

        relay.Gate.Cut();
        await relay.WaitAsync("intake to notice the broker is gone",
            async () => (await relay.Http.GetAsync($"{relay.BaseUrl}/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable);

        using var submit = Request(HttpMethod.Post, "/api/messages", key, new
        {
            recipients = new[] { recipient.GetProperty("id").GetGuid() }, title = "Solidarity",
            body = "Dear colleagues, you have our fullest solidarity in your strike.", language = "en",
        });
        using var accepted = await relay.Http.SendAsync(submit);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal("received", await StatusAsync(id, key));

        relay.Gate.Open();

        await relay.WaitAsync("the message to be delivered", async () => await StatusAsync(id, key) == "delivered", seconds: 120);
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string key, object? body = null)
    {
        var request = new HttpRequestMessage(method, relay.BaseUrl + path);
        request.Headers.Authorization = new("Bearer", key);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        return request;
    }

    private async Task<JsonElement> UnionAsync(string name, string language)
    {
        using var request = Request(HttpMethod.Post, "/api/unions", relay.CoordinatorKey,
            new { name, country = "CO", languages = new[] { language }, email = $"u{Guid.NewGuid():N}@unions.example.org" });
        using var response = await relay.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<string> StatusAsync(Guid id, string key)
    {
        using var request = Request(HttpMethod.Get, $"/api/messages/{id}", key);
        using var response = await relay.Http.SendAsync(request);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString()!;
    }
}
