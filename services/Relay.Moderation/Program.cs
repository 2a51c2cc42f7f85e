using MassTransit;
using Relay.Moderation;
using Relay.ServiceDefaults;

var builder = RelayWorker.CreateBuilder(args, defaultPort: 8082);
builder.AddRelayServiceDefaults(bus => bus.AddConsumer<ScreenMessageConsumer>());
builder.Services.AddModeration();
builder.BuildAndRun();
