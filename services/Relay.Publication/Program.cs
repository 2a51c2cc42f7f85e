using MassTransit;
using Relay.Publication;
using Relay.ServiceDefaults;

var builder = RelayWorker.CreateBuilder(args, defaultPort: 8084);
builder.AddRelayServiceDefaults(bus => bus.AddConsumer<PublishMessageConsumer>());
builder.Services.AddOptions<PublicationOptions>().BindConfiguration("Publication");
builder.Services.AddScoped<PublicationStage>();
builder.BuildAndRun();
