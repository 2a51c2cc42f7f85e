using MassTransit;
using Relay.Contracts;

namespace Relay.Translation;

/// <summary>
/// Runs the translation stage for a new message, and again when a coordinator supplies a missing
/// translation or asks for another attempt (a provider that was down may be back).
/// </summary>
public sealed class TranslateMessageConsumer(TranslationStage stage) :
    IConsumer<MessageSubmitted>, IConsumer<TranslationSupplied>, IConsumer<TranslationRetryRequested>
{
    public Task Consume(ConsumeContext<MessageSubmitted> context) => stage.RunAsync(context.Message.MessageId, context.CancellationToken);

    public Task Consume(ConsumeContext<TranslationSupplied> context) => stage.RunAsync(context.Message.MessageId, context.CancellationToken);

    public Task Consume(ConsumeContext<TranslationRetryRequested> context) => stage.RunAsync(context.Message.MessageId, context.CancellationToken);
}

public sealed class TranslateMessageConsumerDefinition : ConsumerDefinition<TranslateMessageConsumer>
{
    public TranslateMessageConsumerDefinition()
    {
        // APY is the slow part (~30 ms a request, a few concurrent pipelines): a handful at once is enough.
        ConcurrentMessageLimit = 8;
    }
}
