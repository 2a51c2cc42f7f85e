using MassTransit;
using Relay.Moderation;
using Relay.ServiceDefaults;

var builder = Host.CreateApplicationBuilder(args);
builder.AddRelayServiceDefaults(bus => bus.AddConsumer<ScreenMessageConsumer>());
builder.Services.AddModeration();
builder.Build().Run();
