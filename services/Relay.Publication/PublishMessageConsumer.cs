using MassTransit;
using Relay.Contracts;

namespace Relay.Publication;

public sealed class PublishMessageConsumer(PublicationStage stage) : IConsumer<MessageApproved>
{
    public Task Consume(ConsumeContext<MessageApproved> context) => stage.RunAsync(context.Message.MessageId, context.CancellationToken);
}
