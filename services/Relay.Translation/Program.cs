using MassTransit;
using Relay.ServiceDefaults;
using Relay.Translation;

var builder = Host.CreateApplicationBuilder(RelayHost.Arguments(args));
builder.AddRelayServiceDefaults(bus => bus.AddConsumer<TranslateMessageConsumer, TranslateMessageConsumerDefinition>());
builder.Services.AddTranslation(builder.Configuration);
builder.Build().Run();
