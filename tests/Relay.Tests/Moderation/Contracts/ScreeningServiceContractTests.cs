using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Relay.Moderation;
using Relay.Moderation.Screening;
using Relay.Storage;
using Relay.Tests.Translation.Contracts;

namespace Relay.Tests.Moderation.Contracts;

/// <summary>
/// One outside screening service against a local server replaying its documented answers, through
/// the real registration (typed HttpClient, retries, timeouts) built from configuration.
/// </summary>
public abstract class ScreeningServiceContractTests(Func<RecordedRequest, FakeAnswer> documented) : IAsyncLifetime
{
    public const string Key = "test-key";

    private readonly List<ServiceProvider> _hosts = [];

    protected FakeProviderServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await FakeProviderServer.StartAsync(documented);

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
            await host.DisposeAsync();
        await Server.DisposeAsync();
    }

    /// <summary>The services as the worker registers them, over these settings.</summary>
    protected ScreeningServices Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddScreeningServices();
        var host = services.BuildServiceProvider();
        _hosts.Add(host);
        return host.CreateScope().ServiceProvider.GetRequiredService<ScreeningServices>();
    }

    /// <summary>Backoff shortened so that retry tests take milliseconds; everything else as in production.</summary>
    protected static Dictionary<string, string?> FastRetries(string section) => new()
    {
        [$"{section}:BaseDelay"] = "00:00:00.010",
        [$"{section}:MaxDelay"] = "00:00:00.050",
    };

    /// <summary>A message in English from a union, with translations, as the stage has it after loading.</summary>
    protected static SolidarityMessage Message(string body, params (string Language, string Body)[] translations)
    {
        var sender = new Union
        {
            Id = Guid.NewGuid(), Name = "Sindicato de Prueba", Country = "CO", Email = "sindicato@unions.example.org", ApiKeyHash = "-",
        };
        var message = new SolidarityMessage
        {
            Id = Guid.NewGuid(), SenderUnionId = sender.Id, Sender = sender, Title = "Solidarity", Body = body, Language = "en",
            ReceivedAt = new DateTime(2026, 3, 8, 9, 30, 0, DateTimeKind.Utc),
        };
        message.Translations = [.. translations.Select(t => new Relay.Storage.Translation
        {
            MessageId = message.Id, Language = t.Language, Title = "Solidaridad", Body = t.Body, Origin = TranslationOrigin.Machine, Provider = "apertium",
        })];
        return message;
    }

    /// <summary>As the stage asks: the original and the translations as screened texts.</summary>
    protected static Task<IReadOnlyList<ServiceObjection>> ScreenAsync(ScreeningServices services, SolidarityMessage message) =>
        services.ScreenAsync(message, new ScreenedText(message.Language!, message.Title, message.Body),
            message.Translations.Select(t => new ScreenedText(t.Language, t.Title, t.Body)).ToList(), CancellationToken.None);

    protected static IEnumerable<string> Lines(IEnumerable<ServiceObjection> objections) => objections.Select(o => $"{o.Code}: {o.Reason}");
}
