using MassTransit;
using Relay.Publication;
using Relay.ServiceDefaults;

var builder = Host.CreateApplicationBuilder(RelayHost.Arguments(args));
builder.AddRelayServiceDefaults(bus => bus.AddConsumer<PublishMessageConsumer>());
builder.Services.AddOptions<PublicationOptions>().BindConfiguration("Publication");
builder.Services.AddScoped<PublicationStage>();
builder.Build().Run();
