using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>The page behind the signed link in every email, as a mail program and a person use it.</summary>
public class PreferencesPageTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    private async Task<Union> UnionAsync()
    {
        await using var db = app.OpenDb();
        return await db.AddUnionAsync("Sintracarbón", "es", "en");
    }

    private async Task<Union> StoredAsync(Guid id)
    {
        await using var db = app.OpenDb();
        return await db.Unions.AsNoTracking().SingleAsync(u => u.Id == id);
    }

    private static string PageOf(Union union) => $"/preferences/{TestSecrets.Links.TokenFor(union.Id)}";

    [Fact]
    public async Task A_mail_programs_one_click_post_opts_the_union_out_once_and_coordinators_are_told()
    {
        var union = await UnionAsync();
        var client = app.CreateClient(); // no cookie, no antiforgery token: RFC 8058 allows neither

        for (var i = 0; i < 2; i++)
        {
            var response = await client.PostAsync(PageOf(union), new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("Ya no recibirá mensajes", await response.Content.ReadAsStringAsync());
        }

        var stored = await StoredAsync(union.Id);
        Assert.True(stored.IsSuppressed);
        Assert.StartsWith("opted out on ", stored.SuppressedReason);
        await using var db = app.OpenDb();
        Assert.Equal(1, await db.Outbox.CountAsync(o => o.EventType.Contains("UnionSuppressed") && o.Payload.Contains(union.Id.ToString())));
    }

    [Fact]
    public async Task The_page_names_the_union_and_lets_it_stop_and_receive_messages_again()
    {
        var union = await UnionAsync();
        var client = app.CreateClient();

        var page = await client.GetStringAsync(PageOf(union));
        Assert.Contains("Sintracarbón", page);
        Assert.Contains("Dejar de recibir mensajes", page);
        Assert.Contains("value=\"es, en\"", page);

        await client.PostAsync(PageOf(union), new FormUrlEncodedContent([]));
        Assert.Contains("Volver a recibir mensajes", await client.GetStringAsync(PageOf(union)));
        var resumed = await client.PostAsync(PageOf(union) + "?handler=resume", new FormUrlEncodedContent([]));
        Assert.Contains("Volverá a recibir mensajes a través de Relay", await resumed.Content.ReadAsStringAsync());
        Assert.False((await StoredAsync(union.Id)).IsSuppressed);
    }

    [Fact]
    public async Task A_union_changes_its_languages_and_a_wrong_code_is_refused_in_words()
    {
        var union = await UnionAsync();
        var client = app.CreateClient();

        var saved = await client.PostAsync(PageOf(union) + "?handler=languages", new FormUrlEncodedContent([new("Languages", "pt-br, es")]));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(["pt-BR", "es"], (await StoredAsync(union.Id)).Languages);
        // The page now speaks the new preferred language, and names the languages as they do.
        var answer = await saved.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"pt\"", answer);
        Assert.Contains("As suas mensagens chegarão em português (Brasil), español, por esta ordem", answer);

        var refused = await client.PostAsync(PageOf(union) + "?handler=languages", new FormUrlEncodedContent([new("Languages", "es, not a language!")]));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("is not a language code", await refused.Content.ReadAsStringAsync());
        Assert.Equal(["pt-BR", "es"], (await StoredAsync(union.Id)).Languages);
    }

    [Fact]
    public async Task A_link_that_relay_did_not_make_leads_nowhere()
    {
        var union = await UnionAsync();
        var token = TestSecrets.Links.TokenFor(union.Id);
        var forged = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];
        var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/preferences/{forged}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/preferences/{forged}", new FormUrlEncodedContent([]))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/preferences/not-a-token")).StatusCode);
        Assert.False((await StoredAsync(union.Id)).IsSuppressed);
    }

    [Fact]
    public async Task Coordinators_see_why_a_union_receives_nothing_and_can_reinstate_it()
    {
        var union = await UnionAsync();
        await app.CreateClient().PostAsync(PageOf(union), new FormUrlEncodedContent([]));
        var coordinator = app.ClientWithKey(app.CoordinatorKey);

        var detail = await coordinator.GetFromJsonAsync<JsonElement>($"/api/unions/{union.Id}");
        Assert.False(detail.GetProperty("receivesMessages").GetBoolean());
        Assert.StartsWith("opted out on", detail.GetProperty("suppressedReason").GetString());
        Assert.Equal(union.Email, detail.GetProperty("email").GetString());

        var reinstated = await coordinator.PostAsync($"/api/unions/{union.Id}/reinstate", null);
        Assert.True((await reinstated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("receivesMessages").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync($"/api/unions/{union.Id}")).StatusCode);
    }
}
