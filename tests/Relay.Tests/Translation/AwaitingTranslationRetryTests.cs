using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.ServiceDefaults;
using Relay.Storage;
using Relay.Tests.Support;
using Relay.Translation;

namespace Relay.Tests.Translation;

public class AwaitingTranslationRetryTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();
    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task A_message_waiting_for_a_translation_is_tried_again_once_per_interval_within_the_window()
    {
        Guid due, recent, old;
        await using (var db = _database.Open())
        {
            var sender = await db.AddUnionAsync("Miners' Coordination", "en");
            var recipient = await db.AddUnionAsync("Sintracarbón", "es");
            due = (await db.AddMessageAsync(sender, [recipient], MessageStatus.AwaitingTranslation)).Id;
            recent = (await db.AddMessageAsync(sender, [recipient], MessageStatus.AwaitingTranslation)).Id;
            old = (await db.AddMessageAsync(sender, [recipient], MessageStatus.AwaitingTranslation)).Id;
            var tenMinutesAgo = DateTime.UtcNow.AddMinutes(-10);
            await db.Messages.Where(m => m.Id == due).ExecuteUpdateAsync(s => s.SetProperty(m => m.UpdatedAt, tenMinutesAgo));
            await db.Messages.Where(m => m.Id == old).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.UpdatedAt, tenMinutesAgo).SetProperty(m => m.ReceivedAt, DateTime.UtcNow.AddDays(-3)));
        }
        var services = new ServiceCollection().AddScoped(_ => _database.Open()).BuildServiceProvider();
        var retry = new AwaitingTranslationRetry(services.GetRequiredService<IServiceScopeFactory>(),
            Options.Create(new TranslationOptions { RetryAwaitingEvery = TimeSpan.FromMinutes(5), RetryAwaitingFor = TimeSpan.FromDays(2) }),
            NullLogger<AwaitingTranslationRetry>.Instance);

        Assert.Equal(1, await retry.RetryDueAsync(CancellationToken.None));
        // Its attempt moved it: not again before the next interval.
        Assert.Equal(0, await retry.RetryDueAsync(CancellationToken.None));

        await using var check = _database.Open();
        var events = await check.Outbox.Where(o => o.EventType == typeof(TranslationRetryRequested).FullName).Select(o => o.Payload).ToListAsync();
        Assert.Contains(due.ToString(), Assert.Single(events));
        Assert.DoesNotContain(events, e => e.Contains(recent.ToString()) || e.Contains(old.ToString()));
    }

    [Fact]
    public void Faults_that_pass_by_themselves_are_told_from_those_that_do_not()
    {
        Assert.True(PassingFaults.Is(new DbUpdateException("save", new Microsoft.Data.Sqlite.SqliteException("database is locked", 5))));
        Assert.True(PassingFaults.Is(new Npgsql.NpgsqlException("connect", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(PassingFaults.Is(new MailKit.Net.Smtp.SmtpCommandException(MailKit.Net.Smtp.SmtpErrorCode.RecipientNotAccepted,
            MailKit.Net.Smtp.SmtpStatusCode.MailboxBusy, "451 try later")));
        Assert.True(PassingFaults.Is(new PassingFaultException("claimed by another attempt")));

        Assert.False(PassingFaults.Is(new MailKit.Net.Smtp.SmtpCommandException(MailKit.Net.Smtp.SmtpErrorCode.RecipientNotAccepted,
            MailKit.Net.Smtp.SmtpStatusCode.MailboxUnavailable, "550 no such user")));
        Assert.False(PassingFaults.Is(new DbUpdateException("save", new Microsoft.Data.Sqlite.SqliteException("UNIQUE constraint failed", 19))));
        Assert.False(PassingFaults.Is(new DbUpdateConcurrencyException("conflict")));
        Assert.False(PassingFaults.Is(new InvalidOperationException("Message 1 is not in the database.")));
    }
}
