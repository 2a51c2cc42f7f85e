using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>A coordinator sees how much work is where: messages and deliveries by status, and the outbox backlog.</summary>
public class PipelineApiTests(RelayApplication app) : IClassFixture<RelayApplication>
{
    [Fact]
    public async Task The_pipeline_view_counts_messages_and_deliveries_by_statusand_the_events_not_yet_on_the_broker()
    {
        var coordinator = app.ClientWithKey(app.CoordinatorKey);
        var before = await coordinator.GetFromJsonAsync<JsonElement>("/api/pipeline");
        await using (var db = app.OpenDb())
        {
            var sender = await db.AddUnionAsync("Miners' Coordination", "en");
            var recipient = await db.AddUnionAsync("Sintracarbón", "es");
            await db.AddMessageAsync(sender, [recipient], MessageStatus.Held);
            await db.AddMessageAsync(sender, [recipient], MessageStatus.Held);
            var delivered = await db.AddMessageAsync(sender, [recipient], MessageStatus.Delivered);
            db.Deliveries.Add(new Relay.Storage.Delivery { Id = Guid.NewGuid(), MessageId = delivered.Id, RecipientUnionId = recipient.Id, Address = recipient.Email, Language = "es", Status = DeliveryStatus.Sent, At = DateTime.UtcNow, EmailMessageId = $"{Guid.NewGuid():N}@relay.test" });
            await db.SaveChangesAsync();
        }

        var after = await coordinator.GetFromJsonAsync<JsonElement>("/api/pipeline");
        static int Count(JsonElement view, string part, string status) => view.GetProperty(part).TryGetProperty(status, out var n) ? n.GetInt32() : 0;
        Assert.Equal(2, Count(after, "messages", "held") - Count(before, "messages", "held"));
        Assert.Equal(1, Count(after, "messages", "delivered") - Count(before, "messages", "delivered"));
        Assert.Equal(1, Count(after, "deliveries", "sent") - Count(before, "deliveries", "sent"));
    }
}
