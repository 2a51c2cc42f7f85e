using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Relay.ServiceDefaults.Telemetry;

/// <summary>
/// Around every consumer: a logging scope with the solidarity message's id, so every line the
/// consumer logs carries MessageId, and the tag relay.message_id on MassTransit's consume span.
/// The id is read from the contract's MessageId property (every pipeline event has one).
/// </summary>
public sealed class MessageIdConsumeFilter<T>(ILogger<MessageIdConsumeFilter<T>> logger) : IFilter<ConsumeContext<T>> where T : class
{
    private static readonly Func<T, Guid>? ReadId = typeof(T).GetProperty("MessageId") is { } p && p.PropertyType == typeof(Guid)
        ? (Func<T, Guid>)Delegate.CreateDelegate(typeof(Func<T, Guid>), p.GetGetMethod()!)
        : null;

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        if (ReadId is null)
        {
            await next.Send(context);
            return;
        }
        var id = ReadId(context.Message);
        Activity.Current?.SetTag(RelayMetrics.MessageIdTag, id);
        using (logger.BeginScope(new KeyValuePair<string, object>[] { new("MessageId", id) }))
            await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("messageId");
}
