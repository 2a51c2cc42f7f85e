using MassTransit;
using Relay.ServiceDefaults;
using Relay.Translation;

var builder = RelayWorker.CreateBuilder(args, defaultPort: 8081);
builder.AddRelayServiceDefaults(bus => bus.AddConsumer<TranslateMessageConsumer, TranslateMessageConsumerDefinition>());
builder.Services.AddTranslation(builder.Configuration);
builder.BuildAndRun();
