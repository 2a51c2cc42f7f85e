using MassTransit;
using Relay.Contracts;

namespace Relay.Moderation;

public sealed class ScreenMessageConsumer(ScreeningStage stage) : IConsumer<MessageTranslated>
{
    public Task Consume(ConsumeContext<MessageTranslated> context) => stage.RunAsync(context.Message.MessageId, context.CancellationToken);
}
