using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.EntityFrameworkCore;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>
/// Property tests of intake with CsCheck: whatever a client sends (random JSON, wrong types, control
/// characters, invalid UTF-8, deep nesting, huge bodies), the answer is a 4xx with problem details,
/// never a 5xx, and nothing is stored unless the request was a valid message.
/// </summary>
public class IntakeFuzzTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String, Gen.String[Gen.Char[(char)0, (char)31], 0, 50], Gen.Const("\r\nBcc: victim@example.org"), Gen.Const("<script>alert(1)</script>"),
        Gen.Const("\uD800"), Gen.Const(new string('x', 25_000)), Gen.Const("٣٤٥ مرحبا"), Gen.Const(""));

    /// <summary>A JSON value of any type, nested a little.</summary>
    private static readonly Gen<string> Value = Gen.Recursive<string>((depth, value) => depth >= 3
        ? Gen.OneOf(Text.Select(s => JsonSerializer.Serialize(s)), Gen.Int.Select(i => i.ToString()), Gen.Const("null"), Gen.Const("true"), Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1e999"))
        : Gen.OneOf(
            Text.Select(s => JsonSerializer.Serialize(s)), Gen.Int.Select(i => i.ToString()), Gen.Const("null"), Gen.Const("false"),
            value.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]"),
            Gen.Select(Gen.OneOf(Gen.Const("recipients"), Gen.Const("title"), Gen.Const("body"), Gen.Const("language"), Gen.Const("author"), Gen.Const("publish"), Gen.String), value)
                .Array[0, 4].Select(fields => "{" + string.Join(",", fields.Select(f => $"{JsonSerializer.Serialize(f.Item1)}:{f.Item2}")) + "}")));

    /// <summary>A message-shaped object whose fields may have any type or any text.</summary>
    private static readonly Gen<string> Message = Gen.Select(Value, Value, Value, Value, Value, Value, Gen.Bool)
        .Select((recipients, title, body, language, author, publish, drop) =>
            "{" + string.Join(",", new[] { $"\"recipients\":{recipients}", $"\"title\":{title}", $"\"body\":{body}", $"\"language\":{language}", $"\"author\":{author}", $"\"publish\":{publish}" }
                .Where((_, i) => !drop || i % 2 == 0)) + "}");

    private static readonly Gen<byte[]> Body = Gen.OneOf(
        Message.Select(Encoding.UTF8.GetBytes),
        Value.Select(Encoding.UTF8.GetBytes),
        Gen.Byte.Array[0, 300],
        Message.Select(m => Encoding.UTF8.GetBytes(m).Concat(new byte[] { 0xC3, 0x28, 0xFF }).ToArray()),
        Gen.Int[1, 5000].Select(depth => Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth))),
        Gen.Int[1, 3].Select(mb => Encoding.UTF8.GetBytes("{\"title\":\"" + new string('a', mb * 1024 * 1024) + "\"}")));

    [Fact]
    public async Task Any_body_posted_as_a_message_gets_a_4xx_with_problem_details_or_a_202_and_never_a_5xx()
    {
        var coordinator = app.ClientWithKey(app.CoordinatorKey);
        var union = await (await coordinator.PostAsJsonAsync("/api/unions",
            new { name = $"Fuzz {Guid.NewGuid():N}", country = "CO", languages = new[] { "es" }, email = $"u{Guid.NewGuid():N}@unions.example.org" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var sender = union.GetProperty("id").GetGuid();
        var client = app.ClientWithKey(union.GetProperty("apiKey").GetString()!);
        var accepted = 0;

        await Body.SampleAsync(async body =>
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await client.PostAsync("/api/messages", content);
            var status = (int)response.StatusCode;
            if (status == 202)
            {
                Interlocked.Increment(ref accepted);
                return true;
            }
            return status is >= 400 and < 500 && response.Content.Headers.ContentType?.MediaType == "application/problem+json";
        }, iter: 300, threads: 1);

        await using var db = app.OpenDb();
        Assert.Equal(accepted, await db.Messages.CountAsync(m => m.SenderUnionId == sender));
    }

    [Fact]
    public async Task A_body_that_is_not_json_or_too_large_is_refused_before_it_is_read_in_full()
    {
        var client = app.ClientWithKey(app.CoordinatorKey);
        using var xml = new StringContent("<message/>", Encoding.UTF8, "application/xml");
        var wrongType = await client.PostAsync("/api/unions", xml);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);

        using var huge = new ByteArrayContent(new byte[5 * 1024 * 1024]);
        huge.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var tooLarge = await client.PostAsync("/api/unions", huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
    }
}
