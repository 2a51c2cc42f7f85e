using MassTransit;
using Relay.Delivery;
using Relay.ServiceDefaults;

var builder = RelayWorker.CreateBuilder(args, defaultPort: 8083);
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
builder.BuildAndRun();
