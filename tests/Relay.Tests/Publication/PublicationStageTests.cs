using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Relay.Contracts;
using Relay.Publication;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Publication;

public class PublicationStageTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private WorkerHarness _worker = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _worker = await WorkerHarness.StartAsync(_database, bus => bus.AddConsumer<PublishMessageConsumer>(), (services, _) =>
        {
            services.AddOptions<PublicationOptions>().Configure(o => o.PublicBaseUrl = "https://relay.example");
            services.AddScoped<PublicationStage>();
        });
    }

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        await _database.DisposeAsync();
    }

    private async Task<SolidarityMessage> ApprovedAsync(bool publish)
    {
        await using var db = _database.Open();
        var sender = await db.AddUnionAsync("Sender", "en");
        var recipient = await db.AddUnionAsync("Recipient", "es");
        var message = await db.AddMessageAsync(sender, [recipient], MessageStatus.Approved, publish: publish);
        await db.AddTranslationAsync(message, "es", "Carta", "Solidaridad.");
        return message;
    }

    [Fact]
    public async Task A_message_whose_sender_agreed_is_published_once_in_all_its_languages()
    {
        var message = await ApprovedAsync(publish: true);

        await _worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));
        DateTime? first;
        await using (var db = _database.Open())
            first = (await db.Messages.SingleAsync(m => m.Id == message.Id)).PublishedAt;
        await _worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));

        await using var check = _database.Open();
        var stored = await check.Messages.SingleAsync(m => m.Id == message.Id);
        Assert.NotNull(first);
        Assert.Equal(first, stored.PublishedAt);
        Assert.Equal($"https://relay.example/messages/{message.Id}", stored.PublicationUrl);
        Assert.Equal(1, await _worker.DispatchOutboxAsync());
        Assert.True(await _worker.Bus.WasPublishedAsync<MessagePublished>(m =>
            m.Context.Message.MessageId == message.Id && m.Context.Message.Languages.SequenceEqual(new[] { "en", "es" })));
    }

    [Fact]
    public async Task A_message_not_meant_for_publication_stays_off_the_site()
    {
        var message = await ApprovedAsync(publish: false);

        await _worker.ConsumeAsync(new MessageApproved(message.Id, "rules"));

        await using var db = _database.Open();
        var stored = await db.Messages.SingleAsync(m => m.Id == message.Id);
        Assert.Null(stored.PublishedAt);
        Assert.Null(stored.PublicationUrl);
    }
}
