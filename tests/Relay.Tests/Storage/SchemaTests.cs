using Microsoft.EntityFrameworkCore;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Storage;

/// <summary>A database made by the first release is upgraded in place, on both providers.</summary>
public class SchemaTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_first_release_database_is_upgraded_and_keeps_its_messages(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider, empty: true);
        Guid messageId;
        await using (var db = database.Open())
        {
            foreach (var statement in V1Script(provider))
                await db.Database.ExecuteSqlRawAsync(statement);
            var now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss");
            messageId = Guid.NewGuid();
            var unionId = Guid.NewGuid();
            var id = provider == "postgres" ? $"'{unionId}'" : $"'{unionId.ToString().ToUpperInvariant()}'";
            var mid = provider == "postgres" ? $"'{messageId}'" : $"'{messageId.ToString().ToUpperInvariant()}'";
            var langs = provider == "postgres" ? "ARRAY['en']" : "'[\"en\"]'";
            var reasons = provider == "postgres" ? "ARRAY[]::text[]" : "'[]'";
            // Literal values written as the first release stored them (test data, no user input).
            var insert = $"""
                INSERT INTO unions ("Id", "Name", "Country", "Languages", "Email", "ApiKeyHash", "CreatedAt") VALUES ({id}, 'Sintracarbón', 'CO', {langs}, 'a@b.org', 'hash', '{now}');
                INSERT INTO messages ("Id", "SenderUnionId", "Title", "Body", "Language", "LanguageDetected", "Author", "Publish", "Status", "IdempotencyKey", "ReceivedAt", "UpdatedAt", "ModerationDecision", "ModerationReasons", "DecidedBy", "PublishedAt", "PublicationUrl")
                VALUES ({mid}, {id}, 'Old letter', 'Body', 'en', FALSE, NULL, FALSE, 'delivered', NULL, '{now}', '{now}', NULL, {reasons}, NULL, NULL, NULL);
                """;
            await db.Database.ExecuteSqlRawAsync(insert);
        }

        await using (var db = database.Open())
            Assert.Equal(SchemaChanges.All.Select(c => c.Version), await RelaySchema.EnsureAsync(db));

        await using (var db = database.Open())
        {
            var old = await db.Messages.SingleAsync(m => m.Id == messageId);
            Assert.Equal("Old letter", old.Title);
            Assert.Empty(old.LanguageFlags);
            old.LanguageFlags = ["language-uncertain: detected es at 40%"];
            db.Translations.Add(new Relay.Storage.Translation { MessageId = messageId, Language = "pt", Title = "T", Body = "B", Origin = "machine", Provider = "apertium", Path = "en>es>pt" });
            var term = new GlossaryTerm { Id = Guid.NewGuid(), Term = "Sintracarbón", CreatedAt = DateTime.UtcNow };
            term.Renderings.Add(new GlossaryRendering { Language = "en", Text = "Sintracarbon" });
            db.Glossary.Add(term);
            db.TranslationCache.Add(new CachedTranslation { Key = new string('a', 64), From = "en", To = "es", Text = "Hola", Provider = "apertium", CreatedAt = DateTime.UtcNow });
            db.ProviderUsage.Add(new ProviderUsage { Provider = "apertium", Day = DateOnly.FromDateTime(DateTime.UtcNow), Characters = 10, Requests = 1 });
            var union = await db.Unions.SingleAsync();
            Assert.False(union.ReviewIncoming);
            union.ReviewIncoming = true;
            old.TakenDownAt = DateTime.UtcNow;
            old.TakedownReason = "At the recipient's request";
            db.AuditLog.Add(new AuditEntry { Id = Guid.NewGuid(), At = DateTime.UtcNow, Actor = "Ana", Action = AuditAction.Takedown, MessageId = messageId, Reason = "At the recipient's request" });
            // Version 7: a message with no sending union, from a supporter.
            var supporter = new Supporter { Id = Guid.NewGuid(), Name = "Ana", Email = "ana@example.org", CreatedAt = DateTime.UtcNow };
            db.Messages.Add(new SolidarityMessage
            {
                Id = Guid.NewGuid(), Supporter = supporter, Title = "From a supporter", Body = "Solidarity", Channel = MessageChannel.SupporterForm,
                Status = MessageStatus.AwaitingConfirmation, ConfirmationAddress = supporter.Email, ReceivedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        }

        await using (var db = database.Open())
        {
            Assert.Equal("en>es>pt", (await db.Translations.SingleAsync(t => t.MessageId == messageId)).Path);
            Assert.Single((await db.Messages.SingleAsync(m => m.Id == messageId)).LanguageFlags);
            Assert.Equal("Sintracarbon", (await db.Glossary.Include(g => g.Renderings).SingleAsync()).Renderings.Single().Text);
            Assert.True((await db.Unions.SingleAsync()).ReviewIncoming);
            Assert.Equal("At the recipient's request", (await db.Messages.SingleAsync(m => m.Id == messageId)).TakedownReason);
            Assert.Equal(messageId, (await db.AuditLog.SingleAsync()).MessageId);
            var fromSupporter = await db.Messages.Include(m => m.Supporter).SingleAsync(m => m.SupporterId != null);
            Assert.Null(fromSupporter.SenderUnionId);
            Assert.Equal("Ana", fromSupporter.SenderName);
            Assert.Equal(MessageChannel.Api, (await db.Messages.SingleAsync(m => m.Id == messageId)).Channel);
            Assert.Empty(await RelaySchema.EnsureAsync(db));
            Assert.Equal(Enumerable.Range(1, SchemaChanges.Latest), await db.SchemaVersions.Select(v => v.Version).OrderBy(v => v).ToListAsync());
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_version_9_database_gets_the_personal_data_columns_and_keeps_its_supporters(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider, empty: true);
        var supporterId = Guid.NewGuid();
        await using (var db = database.Open())
        {
            // The database as the release before version 10 left it.
            foreach (var statement in V1Script(provider))
                await db.Database.ExecuteSqlRawAsync(statement);
            foreach (var change in SchemaChanges.All.Where(c => c.Version <= 9))
            {
                await db.Database.ExecuteSqlRawAsync(provider == "postgres" ? change.Postgres : change.Sqlite);
                // As RelaySchema does after version 7 edits a stored table definition: the connection reads the schema again.
                if (provider == "sqlite" && change.Sqlite.Contains("writable_schema", StringComparison.Ordinal))
                {
                    var version = await db.Database.SqlQueryRaw<long>("SELECT schema_version AS \"Value\" FROM pragma_schema_version").SingleAsync();
                    // A PRAGMA takes no parameters; the value is a number read from the database itself.
                    var bump = "PRAGMA schema_version = " + (version + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await db.Database.ExecuteSqlRawAsync(bump);
                }
            }
            await db.Database.ExecuteSqlRawAsync(string.Format("""CREATE TABLE schema_versions ("Version" integer NOT NULL PRIMARY KEY, "Description" text NOT NULL, "AppliedAt" {0} NOT NULL)""",
                provider == "postgres" ? "timestamp with time zone" : "TEXT"));
            var now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss");
            var id = provider == "postgres" ? $"'{supporterId}'" : $"'{supporterId.ToString().ToUpperInvariant()}'";
            // Literal values written as version 9 stored them (test data, no user input).
            var insert = string.Join("\n", Enumerable.Range(1, 9).Select(v => $"INSERT INTO schema_versions VALUES ({v}, 'v{v}', '{now}');")) + $"""
                INSERT INTO supporters ("Id", "Name", "Organisation", "Email", "CreatedAt") VALUES ({id}, 'Ana Pérez', NULL, 'ana@example.org', '{now}');
                INSERT INTO inbound_mails ("Key", "From", "Subject", "Outcome", "Detail", "MessageId", "ReceivedAt", "RepliedAt") VALUES ('k1', 'ana@example.org', 'Hola', 'refused', NULL, NULL, '{now}', NULL);
                """;
            await db.Database.ExecuteSqlRawAsync(insert);
        }

        await using (var db = database.Open())
            Assert.Equal(new[] { 10 }, await RelaySchema.EnsureAsync(db));

        await using (var db = database.Open())
        {
            var supporter = await db.Supporters.SingleAsync();
            Assert.Equal("Ana Pérez", supporter.Name);
            Assert.Null(supporter.AnonymisedAt);
            supporter.AnonymisedAt = DateTime.UtcNow;
            Assert.Null((await db.InboundMails.SingleAsync()).AnonymisedAt);
            var union = await db.AddUnionAsync("Sintracarbón", "es");
            union.ErasedAt = DateTime.UtcNow;
            var message = await db.AddMessageAsync(union, [union], MessageStatus.Delivered);
            message.AnonymisedAt = DateTime.UtcNow;
            await db.SaveChangesAsync();
        }
        await using (var db = database.Open())
        {
            Assert.NotNull((await db.Supporters.SingleAsync()).AnonymisedAt);
            Assert.NotNull((await db.Unions.SingleAsync()).ErasedAt);
            Assert.Equal(1, await db.Messages.CountAsync(m => m.AnonymisedAt != null && m.ReceivedAt < DateTime.UtcNow));
            Assert.Empty(await RelaySchema.EnsureAsync(db));
        }
    }

    private static IEnumerable<string> V1Script(string provider) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "schema", $"v1.{provider}.sql"))
            .Split(";\n").Select(s => s.Trim()).Where(s => s.Length > 0 && !s.StartsWith("--", StringComparison.Ordinal));
}
