using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Relay.Intake.PersonalData;
using Relay.ServiceDefaults;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.PersonalData;

/// <summary>The anonymisation job and the erasures on the embedded default (SQLite) and on a real PostgreSQL.</summary>
public class AnonymisationTests
{
    private static readonly DateTime Now = DateTime.UtcNow;
    private static readonly DateTime ThreeYearsAgo = Now.AddDays(-3 * 365);

    private static Anonymisation Job(RelayDb db, int chunk = 2) => new(db,
        Options.Create(new DataProtectionOptions { ChunkSize = chunk }), Options.Create(new LinkOptions()), NullLogger<Anonymisation>.Instance);

    private static Erasure Erasure(RelayDb db) => new(db, Options.Create(new LinkOptions()), new Relay.Intake.Auth.RecentLookups(TimeProvider.System));

    /// <summary>What the tests look at afterwards.</summary>
    private sealed record World(Guid Union, Guid Recipient, Guid OldSupporter, Guid RecentSupporter,
        Guid OldUnionLetter, Guid OldSupporterLetter, Guid OldHeld, Guid RecentDelivered, Guid RecentSupporterLetter, Guid OldSupporterOfRecent,
        string OldSupporterEmail, string RecentSupporterEmail, string RecipientEmail);

    private static async Task<World> SeedAsync(TestDatabase database)
    {
        await using var db = database.Open();
        var union = await db.AddUnionAsync("Zakhyst Pratsi", "uk");
        var recipient = await db.AddUnionAsync("Sintracarbón", "es");
        var oldSupporter = new Supporter { Id = Guid.NewGuid(), Name = "Ana Pérez", Organisation = "Vecinos de Soacha", Email = "ana.perez@example.org", CreatedAt = ThreeYearsAgo };
        var recentSupporter = new Supporter { Id = Guid.NewGuid(), Name = "Olha Kovalenko", Email = "olha@example.org", CreatedAt = ThreeYearsAgo };
        db.Supporters.AddRange(oldSupporter, recentSupporter);

        SolidarityMessage Letter(string status, DateTime at, Guid? union = null, Supporter? supporter = null) => new()
        {
            Id = Guid.NewGuid(), SenderUnionId = union, SupporterId = supporter?.Id, Title = "Solidarity", Body = Seeds.Cerrejon.Body, Language = "en",
            Status = status, ReceivedAt = at, UpdatedAt = at, SummarySentAt = at, Author = supporter is null ? "Mykola, secretary" : "Ana",
            ConfirmationAddress = supporter?.Email ?? "secretary@zp.example.org", PublishedAt = at, PublicationUrl = "https://relay.example/messages/x",
            Recipients = [new MessageRecipient { UnionId = recipient.Id }],
        };
        var oldUnionLetter = Letter(MessageStatus.Delivered, ThreeYearsAgo, union: union.Id);
        var oldSupporterLetter = Letter(MessageStatus.Delivered, ThreeYearsAgo, supporter: oldSupporter);
        var oldHeld = Letter(MessageStatus.Held, ThreeYearsAgo, supporter: recentSupporter);
        var oldOfRecent = Letter(MessageStatus.Rejected, ThreeYearsAgo, supporter: recentSupporter);
        var recentDelivered = Letter(MessageStatus.Delivered, Now.AddDays(-30), union: union.Id);
        var recentSupporterLetter = Letter(MessageStatus.Delivered, Now.AddDays(-30), supporter: recentSupporter);
        db.Messages.AddRange(oldUnionLetter, oldSupporterLetter, oldHeld, oldOfRecent, recentDelivered, recentSupporterLetter);
        foreach (var m in new[] { oldUnionLetter, oldSupporterLetter, recentDelivered })
            db.Deliveries.Add(new Relay.Storage.Delivery
            {
                Id = Guid.NewGuid(), MessageId = m.Id, RecipientUnionId = recipient.Id, Address = recipient.Email, Language = "es", Status = DeliveryStatus.Failed,
                Detail = $"550 5.1.1 <{recipient.Email}>: User unknown", At = m.ReceivedAt, EmailMessageId = $"{m.Id:N}@relay.test",
            });
        db.InboundMails.AddRange(
            new InboundMail { Key = new string('a', 64), From = "Ana.Perez@example.org", Subject = "Solidaridad", Outcome = "submitted", MessageId = oldSupporterLetter.Id, ReceivedAt = ThreeYearsAgo },
            new InboundMail { Key = new string('b', 64), From = "olha@example.org", Subject = "Held one", Outcome = "submitted", MessageId = oldHeld.Id, ReceivedAt = ThreeYearsAgo },
            new InboundMail { Key = new string('c', 64), From = "spam@example.net", Subject = "Buy", Outcome = "refused", Detail = "unknown-sender: spam@example.net", ReceivedAt = ThreeYearsAgo },
            new InboundMail { Key = new string('d', 64), From = "olha@example.org", Subject = "Recent", Outcome = "refused", ReceivedAt = Now.AddDays(-1) });
        db.Bounces.AddRange(
            new Bounce { Key = new string('e', 64), Address = recipient.Email, Action = "failed", Status = "5.1.1", Hard = true, UnionId = recipient.Id, ReceivedAt = ThreeYearsAgo },
            new Bounce { Key = new string('f', 64), Address = recipient.Email, Action = "failed", Status = "5.1.1", Hard = true, UnionId = recipient.Id, ReceivedAt = Now.AddDays(-1) });
        await db.SaveChangesAsync();
        return new World(union.Id, recipient.Id, oldSupporter.Id, recentSupporter.Id, oldUnionLetter.Id, oldSupporterLetter.Id, oldHeld.Id,
            recentDelivered.Id, recentSupporterLetter.Id, oldOfRecent.Id, oldSupporter.Email, recentSupporter.Email, recipient.Email);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Only_old_settled_data_is_anonymised_and_only_once(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var w = await SeedAsync(database);

        AnonymisationCounts first;
        await using (var db = database.Open())
            first = await Job(db).RunAsync(DateTime.UtcNow, CancellationToken.None);

        // Two old union-or-supporter letters that are final, and the rejected one of a supporter who still has recent ones.
        Assert.Equal(new AnonymisationCounts(Messages: 3, Deliveries: 2, Supporters: 1, InboundMails: 2, Bounces: 1), first);
        await using (var db = database.Open())
        {
            var messages = await db.Messages.AsNoTracking().ToDictionaryAsync(m => m.Id);
            var union = messages[w.OldUnionLetter];
            Assert.NotNull(union.AnonymisedAt);
            Assert.Null(union.ConfirmationAddress);
            Assert.Equal("Mykola, secretary", union.Author); // a union's officer signs for the organisation
            Assert.Equal(Seeds.Cerrejon.Body, union.Body);
            var fromSupporter = messages[w.OldSupporterLetter];
            Assert.Null(fromSupporter.Author);
            Assert.Null(fromSupporter.ConfirmationAddress);
            Assert.NotNull(fromSupporter.PublishedAt); // still on the public site, the text unchanged
            Assert.Equal(Seeds.Cerrejon.Body, fromSupporter.Body);
            Assert.NotNull(messages[w.OldSupporterOfRecent].AnonymisedAt);

            // In flight, or younger than the period: untouched.
            foreach (var id in new[] { w.OldHeld, w.RecentDelivered, w.RecentSupporterLetter })
            {
                Assert.Null(messages[id].AnonymisedAt);
                Assert.NotNull(messages[id].ConfirmationAddress);
                Assert.NotNull(messages[id].Author);
            }

            var supporters = await db.Supporters.AsNoTracking().ToDictionaryAsync(s => s.Id);
            Assert.Equal(PersonalDataRules.AnonymisedSupporterName, supporters[w.OldSupporter].Name);
            Assert.Null(supporters[w.OldSupporter].Organisation);
            Assert.DoesNotContain("@", supporters[w.OldSupporter].Email);
            Assert.Equal("Olha Kovalenko", supporters[w.RecentSupporter].Name); // a held and a recent message: kept
            Assert.Equal(w.RecentSupporterEmail, supporters[w.RecentSupporter].Email);

            var deliveries = await db.Deliveries.AsNoTracking().ToDictionaryAsync(d => d.MessageId);
            Assert.Equal("550 5.1.1 <[address removed]>: User unknown", deliveries[w.OldUnionLetter].Detail);
            Assert.Contains(w.RecipientEmail, deliveries[w.RecentDelivered].Detail);

            var mails = await db.InboundMails.AsNoTracking().ToDictionaryAsync(i => i.Key[..1]);
            Assert.Equal(Anonymisation.AnonymisedFrom, mails["a"].From);
            Assert.Null(mails["a"].Subject);
            Assert.Equal("submitted", mails["a"].Outcome);
            Assert.Equal("olha@example.org", mails["b"].From); // it became a held message
            Assert.Equal(Anonymisation.AnonymisedFrom, mails["c"].From);
            Assert.Null(mails["c"].Detail);
            Assert.Equal("olha@example.org", mails["d"].From);
            Assert.Equal(new[] { new string('f', 64) }, await db.Bounces.Select(b => b.Key).ToListAsync());
        }

        await using (var db = database.Open())
            Assert.Equal(new AnonymisationCounts(0, 0, 0, 0, 0), await Job(db).RunAsync(DateTime.UtcNow, CancellationToken.None));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Two_instances_anonymising_at_once_leave_the_same_result(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var w = await SeedAsync(database);
        await using (var db = database.Open())
        {
            // Enough old letters for several chunks each.
            var supporter = await db.Supporters.SingleAsync(s => s.Id == w.OldSupporter);
            for (var i = 0; i < 40; i++)
                db.Messages.Add(new SolidarityMessage
                {
                    Id = Guid.NewGuid(), SupporterId = supporter.Id, Title = $"Letter {i}", Body = "Solidarity", Status = MessageStatus.Delivered,
                    ReceivedAt = ThreeYearsAgo, UpdatedAt = ThreeYearsAgo, SummarySentAt = ThreeYearsAgo, Author = "Ana", ConfirmationAddress = supporter.Email,
                });
            await db.SaveChangesAsync();
        }

        await using var one = database.Open();
        await using var other = database.Open();
        var now = DateTime.UtcNow;
        var counts = await Task.WhenAll(Job(one, chunk: 5).RunAsync(now, CancellationToken.None), Job(other, chunk: 5).RunAsync(now, CancellationToken.None));

        // Each message was changed by one of them, once.
        Assert.Equal(43, counts.Sum(c => c.Messages));
        await using var check = database.Open();
        Assert.Equal(43, await check.Messages.CountAsync(m => m.AnonymisedAt != null));
        Assert.Equal(0, await check.Messages.CountAsync(m => m.SupporterId == w.OldSupporter && (m.Author != null || m.ConfirmationAddress != null)));
        Assert.Equal(PersonalDataRules.AnonymisedSupporterName, (await check.Supporters.SingleAsync(s => s.Id == w.OldSupporter)).Name);
        Assert.Equal(new AnonymisationCounts(0, 0, 0, 0, 0), await Job(check).RunAsync(DateTime.UtcNow, CancellationToken.None));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Erasing_a_supporter_removes_them_everywhere_and_waits_for_messages_in_flight(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var w = await SeedAsync(database);

        await using (var db = database.Open())
        {
            // Olha has a held message: nothing is erased until it is decided.
            var refused = Assert.IsType<ErasureResult.InFlight>(await Erasure(db).EraseSupporterAsync("OLHA@example.org", "Ana W", "her request", CancellationToken.None));
            Assert.Equal(new[] { w.OldHeld }, refused.Messages);
            Assert.Equal("Olha Kovalenko", (await db.Supporters.AsNoTracking().SingleAsync(s => s.Id == w.RecentSupporter)).Name);
            await db.Messages.Where(m => m.Id == w.OldHeld).ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, MessageStatus.Rejected));
        }

        ErasureCounts counts;
        await using (var db = database.Open())
            counts = Assert.IsType<ErasureResult.Erased>(await Erasure(db).EraseSupporterAsync(" Olha@Example.org ", "Ana W", "her request", CancellationToken.None)).Counts;

        Assert.Equal(3, counts.Messages);
        Assert.Equal(2, counts.InboundMails);
        await using var check = database.Open();
        var olha = await check.Supporters.SingleAsync(s => s.Id == w.RecentSupporter);
        Assert.Equal(PersonalDataRules.AnonymisedSupporterName, olha.Name);
        Assert.NotNull(olha.AnonymisedAt);
        Assert.Equal(0, await check.Supporters.CountAsync(s => s.Email == w.RecentSupporterEmail));
        Assert.Equal(0, await check.Messages.CountAsync(m => m.SupporterId == w.RecentSupporter && (m.Author != null || m.ConfirmationAddress != null || m.AnonymisedAt == null)));
        Assert.Equal(0, await check.InboundMails.CountAsync(i => i.From.Contains("olha")));
        // Ana, another supporter, keeps hers (she is anonymised only by time, here not yet run).
        Assert.Equal("Ana Pérez", (await check.Supporters.SingleAsync(s => s.Id == w.OldSupporter)).Name);
        var audit = await check.AuditLog.SingleAsync(a => a.Action == AuditAction.Erase);
        Assert.Equal("Ana W", audit.Actor);
        Assert.Equal("her request", audit.Reason);
        Assert.StartsWith($"supporter {w.RecentSupporter}:", audit.Detail);
        Assert.DoesNotContain("olha", audit.Detail!, StringComparison.OrdinalIgnoreCase);

        Assert.IsType<ErasureResult.NotFound>(await Erasure(check).EraseSupporterAsync(w.RecentSupporterEmail, "Ana W", null, CancellationToken.None));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Erasing_a_union_revokes_it_takes_its_letters_down_and_keeps_others_messages_to_it(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var w = await SeedAsync(database);

        await using (var db = database.Open())
        {
            var refused = Assert.IsType<ErasureResult.InFlight>(await Erasure(db).EraseUnionAsync(w.Recipient, "Ana W", null, CancellationToken.None));
            Assert.Equal(new[] { w.OldHeld }, refused.Messages); // a held message is addressed to it
            await db.Messages.Where(m => m.Id == w.OldHeld).ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, MessageStatus.Rejected));
        }

        string keyHash;
        await using (var db = database.Open())
            keyHash = (await db.Unions.SingleAsync(u => u.Id == w.Recipient)).ApiKeyHash;
        await using (var db = database.Open())
        {
            var counts = Assert.IsType<ErasureResult.Erased>(await Erasure(db).EraseUnionAsync(w.Recipient, "Ana W", "it dissolved", CancellationToken.None)).Counts;
            Assert.Equal(new ErasureCounts(Messages: 0, TakenDown: 0, Deliveries: 3, InboundMails: 0, Bounces: 2), counts);
        }

        await using (var db = database.Open())
        {
            var union = await db.Unions.SingleAsync(u => u.Id == w.Recipient);
            Assert.Equal(PersonalDataRules.ErasedUnionName, union.Name);
            Assert.DoesNotContain("@", union.Email);
            Assert.NotEqual(keyHash, union.ApiKeyHash);
            Assert.NotNull(union.ErasedAt);
            Assert.NotNull(union.SuppressedAt);
            Assert.Equal(0, await db.Deliveries.CountAsync(d => d.Address == w.RecipientEmail || d.Detail!.Contains(w.RecipientEmail)));
            Assert.Equal(3, await db.Deliveries.CountAsync(d => d.RecipientUnionId == w.Recipient && d.Status == DeliveryStatus.Failed));
            Assert.Equal(0, await db.Bounces.CountAsync());
            // The letters other unions sent it stay, published.
            Assert.NotNull((await db.Messages.SingleAsync(m => m.Id == w.OldUnionLetter)).PublishedAt);
            Assert.Null((await db.Messages.SingleAsync(m => m.Id == w.OldUnionLetter)).TakenDownAt);
            Assert.IsType<ErasureResult.NotFound>(await Erasure(db).EraseUnionAsync(w.Recipient, "Ana W", null, CancellationToken.None));
        }

        // The sender of published letters: taken down, signatures gone, a takedown entry each.
        await using (var db = database.Open())
        {
            var counts = Assert.IsType<ErasureResult.Erased>(await Erasure(db).EraseUnionAsync(w.Union, "Ana W", null, CancellationToken.None)).Counts;
            Assert.Equal(2, counts.Messages);
            Assert.Equal(2, counts.TakenDown);
        }
        await using var check = database.Open();
        var sent = await check.Messages.Where(m => m.SenderUnionId == w.Union).ToListAsync();
        Assert.All(sent, m =>
        {
            Assert.NotNull(m.TakenDownAt);
            Assert.Equal(Relay.Intake.PersonalData.Erasure.TakedownReason, m.TakedownReason);
            Assert.Null(m.Author);
            Assert.Null(m.ConfirmationAddress);
        });
        Assert.Equal(2, await check.AuditLog.CountAsync(a => a.Action == AuditAction.Takedown));
        Assert.Equal(2, await check.AuditLog.CountAsync(a => a.Action == AuditAction.Erase));
    }
}
