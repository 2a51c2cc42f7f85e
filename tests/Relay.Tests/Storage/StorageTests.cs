using MassTransit;
using Microsoft.EntityFrameworkCore;
using Relay.Contracts;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Storage;

/// <summary>The storage promises, on the embedded default (SQLite) and on a real PostgreSQL.</summary>
public class StorageTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_same_idempotency_key_from_the_same_union_is_refused_by_the_database(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var sender = await db.AddUnionAsync("Sender", "en");
        var other = await db.AddUnionAsync("Other", "en");
        var recipient = await db.AddUnionAsync("Recipient", "es");

        db.Messages.Add(Message(sender, recipient, "key-1"));
        db.Messages.Add(Message(other, recipient, "key-1"));
        db.Messages.Add(Message(sender, recipient, null));
        db.Messages.Add(Message(sender, recipient, null));
        await db.SaveChangesAsync();

        db.Messages.Add(Message(sender, recipient, "key-1"));
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_message_and_its_event_are_stored_together_with_languages_and_reasons(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        Guid id;
        await using (var db = database.Open())
        {
            var sender = await db.AddUnionAsync("Zakhyst Pratsi", "uk", "en");
            var recipient = await db.AddUnionAsync("Sintracarbón", "es");
            var message = Message(sender, recipient, null);
            message.ModerationReasons = ["links: 6 links, more than 3", "markup: the es text contains HTML tags"];
            db.Messages.Add(message);
            db.Enqueue(new MessageSubmitted(message.Id, sender.Id, [recipient.Id], null, DateTime.UtcNow));
            await db.SaveChangesAsync();
            id = message.Id;
        }

        await using var check = database.Open();
        var stored = await check.Messages.Include(m => m.Sender).SingleAsync(m => m.Id == id);
        Assert.Equal(new[] { "uk", "en" }, stored.Sender!.Languages);
        Assert.Equal(2, stored.ModerationReasons.Count);
        var row = await check.Outbox.SingleAsync();
        var (@event, type) = OutboxEvents.Read(row);
        Assert.Equal(typeof(MessageSubmitted), type);
        Assert.Equal(id, ((MessageSubmitted)@event).MessageId);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Competing_dispatchers_publish_every_outbox_event_exactly_once(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var ids = Enumerable.Range(0, 250).Select(_ => Guid.NewGuid()).ToList();
        await using (var db = database.Open())
        {
            foreach (var id in ids)
                db.Enqueue(new MessagePublished(id, $"https://relay.example/messages/{id}", ["en"]));
            await db.SaveChangesAsync();
        }
        await using var worker = await WorkerHarness.StartAsync(database, _ => { });

        var dispatched = await Task.WhenAll(worker.DispatchOutboxAsync(), worker.DispatchOutboxAsync(), worker.DispatchOutboxAsync());

        Assert.Equal(250, dispatched.Sum());
        var published = await worker.Bus.Published.Recorded<MessagePublished>();
        Assert.Equal(250, published.Count);
        Assert.Equal(ids.Order(), published.Select(p => p.Context.Message.MessageId).Order());
        await using var check = database.Open();
        Assert.Equal(0, await check.Outbox.CountAsync(o => o.DispatchedAt == null));
        var eventIds = await check.Outbox.Select(o => o.EventId).ToListAsync();
        Assert.Equal(eventIds.Order(), published.Select(p => p.Context.MessageId!.Value).Order());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Published_events_are_deleted_after_the_retention_and_waiting_ones_never(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var now = DateTime.UtcNow;
        await using (var db = database.Open())
        {
            // 2,100 published 8 days ago (more than two of the purge's chunks), 5 published yesterday, 5 never published, 3 of them old.
            for (var i = 0; i < 2110; i++)
            {
                var row = OutboxEvents.Create(new MessagePublished(Guid.NewGuid(), "https://relay.example/messages/1", ["en"]));
                row.CreatedAt = now.AddDays(i < 2100 || i >= 2107 ? -8 : -1);
                row.DispatchedAt = i < 2100 ? now.AddDays(-8) : i < 2105 ? now.AddDays(-1) : null;
                db.Outbox.Add(row);
            }
            await db.SaveChangesAsync();
        }
        await using var worker = await WorkerHarness.StartAsync(database, _ => { });
        var dispatcher = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<Relay.ServiceDefaults.OutboxDispatcher>(worker.Services);

        Assert.Equal(2100, await dispatcher.PurgeDispatchedAsync(CancellationToken.None));
        Assert.Equal(0, await dispatcher.PurgeDispatchedAsync(CancellationToken.None));

        await using var check = database.Open();
        Assert.Equal(5, await check.Outbox.CountAsync(o => o.DispatchedAt != null));
        Assert.Equal(5, await check.Outbox.CountAsync(o => o.DispatchedAt == null));
    }

    private static SolidarityMessage Message(Union sender, Union recipient, string? idempotencyKey) => new()
    {
        Id = Guid.NewGuid(),
        SenderUnionId = sender.Id,
        Title = Seeds.Cerrejon.Title,
        Body = Seeds.Cerrejon.Body,
        IdempotencyKey = idempotencyKey,
        ReceivedAt = DateTime.UtcNow,
        UpdatedAt = DateTime.UtcNow,
        Recipients = [new MessageRecipient { UnionId = recipient.Id }],
    };

    [Fact]
    public async Task Every_SQLite_connection_has_the_settings_a_pooled_one_reused_included()
    {
        await using var database = await TestDatabase.CreateAsync();
        var handles = new List<object>();
        for (var use = 0; use < 3; use++)
        {
            // A context per use, as a service scope has: the pool hands the same SQLite connection back.
            await using var db = database.Open();
            await db.Database.OpenConnectionAsync();
            var connection = (Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection();
            handles.Add(connection.Handle!);
            async Task<string> PragmaAsync(string name)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = $"PRAGMA {name}";
                return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
            }
            Assert.Equal("wal", await PragmaAsync("journal_mode"));
            Assert.Equal("1", await PragmaAsync("synchronous")); // NORMAL
            Assert.Equal("10000", await PragmaAsync("busy_timeout"));
            Assert.Equal("1", await PragmaAsync("foreign_keys"));
            Assert.Equal("10000", await PragmaAsync("wal_autocheckpoint"));
            Assert.Equal("0", await PragmaAsync("mmap_size"));
        }
        Assert.Single(handles.Distinct());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Rows_added_by_plain_inserts_read_back_as_SaveChanges_writes_them(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        SolidarityMessage saved, inserted;
        await using (var db = database.Open())
        {
            var sender = await db.AddUnionAsync("Sender", "en");
            var recipient = await db.AddUnionAsync("Recipient", "es");
            saved = Message(sender, recipient, "key-saved");
            inserted = Message(sender, recipient, "key-inserted");
            foreach (var message in new[] { saved, inserted })
            {
                // Every kind of column: text, nullable text, a list, a nullable number, a flag, times.
                message.Language = "en";
                message.Author = "Comité de huelga";
                message.LanguageFlags = ["detected: en 0.97", "short"];
                message.DetectionConfidence = 0.97;
                message.Publish = true;
                message.ConfirmedAt = new DateTime(2026, 12, 5, 9, 30, 15, 123, DateTimeKind.Utc);
                message.ReceivedAt = message.UpdatedAt = new DateTime(2026, 12, 5, 9, 30, 0, 456, DateTimeKind.Utc); // to PostgreSQL's microseconds
            }
            db.Messages.Add(saved);
            db.Enqueue(new MessageSubmitted(saved.Id, sender.Id, [recipient.Id], "en", saved.ReceivedAt));
            await db.SaveChangesAsync();

            await using (var transaction = await db.Database.BeginTransactionAsync())
            {
                await using var rows = new RowInserter(db);
                await rows.InsertAsync(inserted);
                foreach (var r in inserted.Recipients)
                    await rows.InsertAsync(new MessageRecipient { MessageId = inserted.Id, UnionId = r.UnionId });
                await rows.InsertAsync(OutboxEvents.Create(new MessageSubmitted(inserted.Id, sender.Id, [recipient.Id], "en", inserted.ReceivedAt)));
                await transaction.CommitAsync();
            }
            // A row the database refuses fails as SaveChanges fails: the idempotency key taken here.
            await using (var transaction = await db.Database.BeginTransactionAsync())
            {
                await using var rows = new RowInserter(db);
                await Assert.ThrowsAsync<DbUpdateException>(() => rows.InsertAsync(Message(sender, recipient, "key-inserted")));
            }
        }

        await using var check = database.Open();
        var stored = await check.Messages.AsNoTracking().Include(m => m.Recipients).Where(m => m.Id == saved.Id || m.Id == inserted.Id).ToListAsync();
        foreach (var written in new[] { saved, inserted })
        {
            var read = stored.Single(m => m.Id == written.Id);
            Assert.Equal(written.Title, read.Title);
            Assert.Equal(written.Body, read.Body);
            Assert.Equal("Comité de huelga", read.Author);
            Assert.Equal(written.LanguageFlags, read.LanguageFlags);
            Assert.Equal(written.ReceivedAt, read.ReceivedAt);
            Assert.Equal(written.ConfirmedAt, read.ConfirmedAt);
            Assert.Equal(0.97, read.DetectionConfidence);
            Assert.True(read.Publish);
            Assert.Null(read.PublishedAt);
            Assert.Equal(MessageStatus.Received, read.Status);
            Assert.Equal(written.Recipients.Single().UnionId, read.Recipients.Single().UnionId);
        }
        // Found by the queries the pipeline runs: by key, by time and status.
        Assert.True(await check.Messages.AnyAsync(m => m.IdempotencyKey == "key-inserted" && m.SenderUnionId == saved.SenderUnionId));
        Assert.Equal(2, await check.Messages.CountAsync(m => m.ReceivedAt >= saved.ReceivedAt && m.Status == MessageStatus.Received));
        var events = await check.Outbox.AsNoTracking().OrderBy(o => o.Id).ToListAsync();
        Assert.Equal(2, events.Count);
        Assert.True(events[1].Id > events[0].Id); // the database's own key
        Assert.Equal(inserted.Id, ((MessageSubmitted)OutboxEvents.Read(events[1]).Event).MessageId);
        Assert.All(events, e => Assert.Null(e.DispatchedAt));
    }
}
