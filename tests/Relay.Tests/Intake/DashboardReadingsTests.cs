using Relay.Intake.Operations.Dashboard;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>What the dashboard reads from the database, on SQLite and on PostgreSQL: the same queries must translate and agree on both.</summary>
public class DashboardReadingsTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_readings_count_waiting_messages_the_last_days_hours_and_the_failing_deliveries(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var now = DateTime.UtcNow;
        Guid delivered;
        await using (var db = database.Open())
        {
            var sender = await db.AddUnionAsync("Miners' Coordination", "en");
            var recipient = await db.AddUnionAsync("Sintracarbón", "es");
            SolidarityMessage Message(string status, DateTime received, DateTime updated)
            {
                var m = new SolidarityMessage { Id = Guid.NewGuid(), SenderUnionId = sender.Id, Title = "T", Body = "B", Status = status, ReceivedAt = received, UpdatedAt = updated };
                db.Messages.Add(m);
                return m;
            }
            Relay.Storage.Delivery Delivery(SolidarityMessage m, Union to, string status, DateTime at) => new()
            {
                Id = Guid.NewGuid(), MessageId = m.Id, RecipientUnionId = to.Id, Address = to.Email, Language = "es", Status = status, At = at,
                Attempts = 1, Detail = status == DeliveryStatus.Failed ? "550 5.1.1 no such user" : null, EmailMessageId = $"{Guid.NewGuid():N}@relay.test",
            };
            var fresh = Message(MessageStatus.Delivered, now.AddMinutes(-130), now.AddMinutes(-120));
            db.Deliveries.AddRange(Delivery(fresh, recipient, DeliveryStatus.Sent, now.AddMinutes(-125)), Delivery(fresh, sender, DeliveryStatus.Sent, now.AddMinutes(-120)));
            var old = Message(MessageStatus.Delivered, now.AddDays(-3), now.AddDays(-3));
            db.Deliveries.AddRange(Delivery(old, recipient, DeliveryStatus.Sent, now.AddDays(-3)), Delivery(old, sender, DeliveryStatus.Failed, now.AddDays(-3)));
            var waiting = Message(MessageStatus.Received, now.AddMinutes(-30), now.AddMinutes(-30));
            var deferred = Delivery(waiting, recipient, DeliveryStatus.Deferred, now.AddMinutes(-10));
            deferred.NextAttemptAt = now.AddMinutes(20);
            db.Deliveries.AddRange(deferred, Delivery(waiting, sender, DeliveryStatus.Failed, now.AddMinutes(-5)));
            Message(MessageStatus.Held, now.AddDays(-2), now.AddDays(-2));
            Message(MessageStatus.Held, now.AddHours(-1), now.AddHours(-1));
            db.Outbox.Add(new OutboxMessage { EventId = Guid.NewGuid(), EventType = "Relay.Contracts.MessageSubmitted", Payload = "{}", CreatedAt = now.AddMinutes(-5) });
            await db.SaveChangesAsync();
            delivered = fresh.Id;
        }

        await using var reading = database.Open();
        var reader = new PipelineReader(reading);
        var pipeline = await reader.ReadAsync(now, CancellationToken.None);
        var hours = await reader.ThroughputAsync(now, CancellationToken.None);
        var failing = await reader.FailingAsync(now, 10, CancellationToken.None);

        Assert.Equal((2, 1, 2), (pipeline.Messages[MessageStatus.Delivered], pipeline.Messages[MessageStatus.Received], pipeline.Messages[MessageStatus.Held]));
        Assert.Equal((3, 2, 1), (pipeline.Deliveries[DeliveryStatus.Sent], pipeline.Deliveries[DeliveryStatus.Failed], pipeline.Deliveries[DeliveryStatus.Deferred]));
        Assert.Equal([MessageStatus.Received, MessageStatus.Held], pipeline.Waiting.Select(w => w.Status));
        var held = pipeline.Waiting[1];
        Assert.Equal(2, held.Count);
        Assert.InRange(held.OldestUpdatedAt, now.AddDays(-2).AddSeconds(-1), now.AddDays(-2).AddSeconds(1));
        Assert.Equal(1, pipeline.OutboxWaiting);
        Assert.InRange(pipeline.OldestOutboxEventAt!.Value, now.AddMinutes(-5).AddSeconds(-1), now.AddMinutes(-5).AddSeconds(1));
        Assert.Equal(1, pipeline.DeliveriesFailedLastDay);

        // Received in the last day: the fresh one, the waiting one and the held one of an hour ago.
        Assert.Equal(3, hours.Sum(h => h.Received));
        var deliveredHour = hours.Single(h => h.Delivered > 0);
        Assert.Equal(Throughput.Since(now).AddHours(Math.Floor((now.AddMinutes(-120) - Throughput.Since(now)).TotalHours)), deliveredHour.Start);
        // From receipt to its last email: ten minutes.
        Assert.InRange(deliveredHour.P50!.Value, TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10) + TimeSpan.FromMilliseconds(1));

        Assert.Equal([DeliveryStatus.Failed, DeliveryStatus.Deferred], failing.Select(f => f.Status));
        Assert.Equal(("Miners' Coordination", "550 5.1.1 no such user"), (failing[0].Recipient, failing[0].Detail));
        Assert.Equal("Sintracarbón", failing[1].Recipient);
        Assert.NotNull(failing[1].NextAttemptAt);
        Assert.DoesNotContain(failing, f => f.MessageId == delivered);
    }
}
