using MassTransit;
using Relay.Moderation;
using Relay.ServiceDefaults;

var builder = Host.CreateApplicationBuilder(args);
builder.AddRelayServiceDefaults(bus => bus.AddConsumer<ScreenMessageConsumer>());
builder.Services.AddOptions<ModerationOptions>().BindConfiguration("Moderation");
builder.Services.AddScoped<ScreeningStage>();
builder.Build().Run();
