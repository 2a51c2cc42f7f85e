using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Relay.EndToEnd.Tests;

/// <summary>Relay's HTTP API as a client uses it, asserting the status code each call should get.</summary>
public sealed class RelayApi(HttpClient http, string baseUrl)
{
    public async Task<JsonElement> SendAsync(HttpMethod method, string path, string? key, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, baseUrl + path);
        if (key is not null)
            request.Headers.Authorization = new("Bearer", key);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonSerializer.Deserialize<JsonElement>(text);
    }

    /// <summary>Adds a union to the directory; the answer carries its id and API key.</summary>
    public Task<JsonElement> CreateUnionAsync(string coordinatorKey, string name, string language, string? email = null, string country = "CO") =>
        SendAsync(HttpMethod.Post, "/api/unions", coordinatorKey,
            new { name, country, languages = new[] { language }, email = email ?? $"u{Guid.NewGuid():N}@unions.example.org" },
            HttpStatusCode.Created);

    public async Task<Guid> SubmitAsync(string unionKey, object message) =>
        (await SendAsync(HttpMethod.Post, "/api/messages", unionKey, message, HttpStatusCode.Accepted)).GetProperty("id").GetGuid();

    /// <summary>An English-writing sender and a Spanish-reading recipient: the sender's key and the recipient's id.</summary>
    public async Task<(string SenderKey, Guid RecipientId)> SenderAndRecipientAsync(string coordinatorKey)
    {
        var sender = await CreateUnionAsync(coordinatorKey, "Miners' Coordination", "en");
        var recipient = await CreateUnionAsync(coordinatorKey, "Sintracarbón", "es");
        return (sender.GetProperty("apiKey").GetString()!, recipient.GetProperty("id").GetGuid());
    }

    /// <summary>A short letter of solidarity from the sender to one recipient; its id.</summary>
    public Task<Guid> SubmitLetterAsync(string senderKey, Guid recipientId) => SubmitAsync(senderKey, new
    {
        recipients = new[] { recipientId }, title = "Solidarity",
        body = "Dear colleagues, you have our fullest solidarity in your strike.", language = "en",
    });

    public Task<JsonElement> StatusAsync(Guid id, string key) => SendAsync(HttpMethod.Get, $"/api/messages/{id}", key);
}
