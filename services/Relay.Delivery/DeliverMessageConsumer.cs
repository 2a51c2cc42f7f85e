using MassTransit;
using Relay.Contracts;

namespace Relay.Delivery;

public sealed class DeliverMessageConsumer(DeliveryStage stage) : IConsumer<MessageApproved>
{
    public Task Consume(ConsumeContext<MessageApproved> context) => stage.RunAsync(context.Message.MessageId, context.CancellationToken);
}
