using System.Net.Http.Json;
using System.Text.Json;

namespace Relay.Tests.Support;

/// <summary>maildev 3's REST API: received mail as JSON, and each message's raw source.</summary>
public static class Maildev
{
    private static readonly HttpClient Http = new() { BaseAddress = new Uri(LocalServices.MaildevUrl), Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<List<JsonElement>> EmailsToAsync(string address)
    {
        var all = await Http.GetFromJsonAsync<List<JsonElement>>("/api/email") ?? [];
        return all.Where(m => m.GetProperty("to").EnumerateArray()
            .Any(t => string.Equals(t.GetProperty("address").GetString(), address, StringComparison.OrdinalIgnoreCase))).ToList();
    }

    public static Task<string> SourceAsync(JsonElement email) =>
        Http.GetStringAsync($"/api/email/{email.GetProperty("id").GetString()}/source");

    /// <summary>Waits until at least <paramref name="count"/> emails reached the address.</summary>
    public static async Task<List<JsonElement>> WaitForAsync(string address, int count = 1, int seconds = 30)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var emails = await EmailsToAsync(address);
            if (emails.Count >= count)
                return emails;
            await Task.Delay(250);
        }
        return await EmailsToAsync(address);
    }
}
