using MassTransit;
using Relay.Delivery;
using Relay.ServiceDefaults;

var builder = Host.CreateApplicationBuilder(RelayHost.Arguments(args));
builder.AddRelayServiceDefaults(bus =>
{
    bus.AddConsumer<DeliverMessageConsumer, DeliverMessageConsumerDefinition>();
    bus.AddConsumer<SenderSummaryConsumer>();
    bus.AddConsumer<TellCoordinatorsConsumer>();
    bus.AddConsumer<RejectionNoticeConsumer>();
    bus.AddConsumer<ConfirmationRequestedConsumer>();
    bus.AddConsumer<SignInLinkRequestedConsumer>();
    bus.AddConsumer<InboundMailReplyConsumer>();
});
builder.Services.AddEmailDelivery();
builder.Build().Run();
