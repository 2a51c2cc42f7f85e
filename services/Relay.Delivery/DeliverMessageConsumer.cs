using MassTransit;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.ServiceDefaults;

namespace Relay.Delivery;

/// <summary>
/// Delivers approved messages a batch at a time: the database work of a delivery (loading the
/// message, creating, claiming and settling its records) costs much the same for a batch as for
/// one message, and messages to a single union would otherwise pay it per email.
/// </summary>
public sealed class DeliverMessageConsumer(DeliveryStage stage) : IConsumer<Batch<MessageApproved>>
{
    public Task Consume(ConsumeContext<Batch<MessageApproved>> context) =>
        stage.RunAsync(context.Message.Select(m => m.Message.MessageId).Distinct().ToList(), context.CancellationToken);
}

/// <summary>
/// Batches of up to Delivery:BatchSize events, a batch that is not full waiting Delivery:BatchWait
/// after its latest event for another, and as many batches at once as RabbitMq:PrefetchCount holds (the
/// endpoint's prefetch stays what the service defaults set). A batch that fails is retried as a whole
/// by the endpoint's retries; one that still fails sends each of its events to the _error queue, the
/// exception naming what failed (a message that is not in the database, say). Those the run had
/// delivered are skipped as delivered if moved back.
/// </summary>
public sealed class DeliverMessageConsumerDefinition(IOptions<DeliveryOptions> delivery, IOptions<RabbitMqOptions> rabbit)
    : ConsumerDefinition<DeliverMessageConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DeliverMessageConsumer> consumerConfigurator, IRegistrationContext context)
    {
        var options = delivery.Value;
        consumerConfigurator.Options<BatchOptions>(batch => batch
            .SetMessageLimit(options.BatchSize)
            .SetTimeLimit(options.BatchWait)
            // The wait runs from the last message taken, not the first: a letter that arrives alone
            // goes out after BatchWait instead of waiting out a batch's whole window (it waited 50 ms
            // of the pipeline's 65 from moderation to delivery, one letter at a time), while
            // messages that arrive together (the prefetch hands them over within microseconds)
            // still fill the batch.
            .SetTimeLimitStart(BatchTimeLimitStart.FromLast)
            .SetConcurrencyLimit(options.BatchesAtOnce(rabbit.Value.PrefetchCount)));
    }
}
