using MassTransit;
using Relay.Moderation;
using Relay.ServiceDefaults;

var builder = Host.CreateApplicationBuilder(RelayHost.Arguments(args));
builder.AddRelayServiceDefaults(bus => bus.AddConsumer<ScreenMessageConsumer>());
builder.Services.AddModeration();
builder.Build().Run();
