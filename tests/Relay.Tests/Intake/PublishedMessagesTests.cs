using Microsoft.Extensions.Options;
using Relay.Intake;
using Relay.Intake.Public;
using Relay.Storage;
using Relay.Tests.Support;

namespace Relay.Tests.Intake;

/// <summary>The public site's queries on both databases Relay runs on: filters, paging, the version that conditional GETs compare, the takedown log.</summary>
public class PublishedMessagesTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_public_queries_filter_page_version_and_log_takedowns_on_each_database(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var sender = await db.AddUnionAsync("Dockers of Gdańsk", "pl");
        sender.Country = "PL";
        var toColombia = await db.AddUnionAsync("Sintracarbón", "es");
        var toKenya = await db.AddUnionAsync("Kenya Plantation Workers", "en");
        toKenya.Country = "KE";
        var start = DateTime.UtcNow.AddHours(-1);
        var messages = new List<SolidarityMessage>();
        for (var i = 0; i < 5; i++)
        {
            var message = await db.AddMessageAsync(sender, [i % 2 == 0 ? toColombia : toKenya], MessageStatus.Delivered, language: "pl", publish: true,
                letter: new SeedLetter($"List {i}", "Drodzy koledzy."));
            message.PublishedAt = start.AddMinutes(i);
            messages.Add(message);
        }
        await db.AddTranslationAsync(messages[4], "es", "Carta 4", "Queridos colegas.");
        (messages[0].TakenDownAt, messages[0].TakedownReason) = (start.AddMinutes(30), "Asked by the sender");
        await db.SaveChangesAsync();

        var published = new PublishedMessages(db, Options.Create(new IntakeOptions { PageSize = 2 }));
        var ct = CancellationToken.None;

        var (firstPage, total) = await published.NewestAsync(1, PublicFilter.None, ct);
        Assert.Equal(4, total);
        Assert.Equal(["List 4", "List 3"], firstPage.Select(m => m.Title));
        Assert.All(firstPage, m => Assert.NotNull(m.Sender));
        var (colombia, colombiaTotal) = await published.NewestAsync(1, new PublicFilter(Union: toColombia.Id), ct);
        Assert.Equal(["List 4", "List 2"], colombia.Select(m => m.Title));
        Assert.Equal(2, colombiaTotal);
        Assert.Equal(2, (await published.NewestAsync(1, new PublicFilter(Country: "KE"), ct)).Total);
        Assert.Equal(4, (await published.NewestAsync(1, new PublicFilter(Country: "PL"), ct)).Total); // the sender's country
        Assert.Equal(0, (await published.NewestAsync(1, new PublicFilter(Country: "FR"), ct)).Total);

        Assert.Equal(["List 4"], (await published.InLanguageAsync("es", 10, PublicFilter.None, ct)).Select(m => m.Title));
        Assert.Equal(["en", "es", "pl"], await published.LanguagesAsync(ct));
        Assert.Equal(["Kenya Plantation Workers", "Sintracarbón"], (await published.RecipientUnionsAsync(ct)).Select(u => u.Name));
        Assert.Equal(["CO", "KE", "PL"], await published.CountriesAsync(ct));

        var (version, count) = await published.VersionAsync(ct);
        Assert.Equal(4, count);
        Assert.True(version >= start.AddMinutes(30).AddSeconds(-1), $"{version:o}"); // the takedown is the newest change, or a save after it

        var takedown = Assert.Single(await published.TakedownsAsync(10, ct));
        Assert.Equal(("Dockers of Gdańsk", "Asked by the sender"), (takedown.SenderName, takedown.Reason));
    }
}
