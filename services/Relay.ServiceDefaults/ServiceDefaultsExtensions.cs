using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Relay.ServiceDefaults.Telemetry;
using Relay.Storage;

namespace Relay.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// What every Relay process has: the database, the bus on RabbitMQ (kebab-case endpoints,
    /// quorum queues, retries, then the endpoint's _error queue), the outbox dispatcher and health checks.
    /// </summary>
    public static IHostApplicationBuilder AddRelayServiceDefaults(
        this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator>? addConsumers = null)
    {
        // Scopes on: a consumer's lines carry the MessageId of what it consumes (ConsumeTelemetryFilter).
        // Logging:Format=json writes one JSON object a line, for a log collector.
        if (string.Equals(builder.Configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
            });
        else
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.IncludeScopes = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        builder.AddRelayTelemetry();
        // Embedded defaults (no appsettings files): Relay's own decisions at Information, the
        // frameworks' chatter (every SQL command, every request) only when something is wrong.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);

        builder.Services.AddRelayStorage(builder.Configuration);
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration("Outbox");
        builder.Services.AddOptions<RabbitMqOptions>().BindConfiguration("RabbitMq");
        var rabbit = builder.Configuration.GetSection("RabbitMq").Get<RabbitMqOptions>() ?? new RabbitMqOptions();

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            addConsumers?.Invoke(bus);
            bus.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                endpoint.UseConsumeFilter(typeof(ConsumeTelemetryFilter<>), context);
                // Transient faults (a locked row, a slow provider) get a few quick retries; what still
                // fails goes to the endpoint's _error queue, never silently acknowledged. (The outer
                // filter: its count is the MT-Fault-RetryCount header of what lands in _error.)
                endpoint.UseMessageRetry(r => r.Exponential(5, TimeSpan.FromMilliseconds(200),
                    TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(400)));
                // Inside each of those attempts, a database that does not answer or a mail server that
                // defers is waited for, about two minutes: it is nobody's fault and passes.
                endpoint.UseMessageRetry(r => r.Intervals(PassingFaults.Waits).Handle<Exception>(PassingFaults.Is));
                if (endpoint is IRabbitMqReceiveEndpointConfigurator queue)
                {
                    if (rabbit.QuorumQueues)
                        queue.SetQuorumQueue();
                    queue.PrefetchCount = rabbit.PrefetchCount;
                }
            });
            bus.UsingRabbitMq((context, cfg) =>
            {
                if (string.IsNullOrEmpty(rabbit.Password))
                    throw new InvalidOperationException(
                        "RabbitMq__Password is not set. deploy/local/up.sh sets it from .relay/secrets.env.");
                var nodes = rabbit.Nodes();
                cfg.Host(nodes[0].Host, nodes[0].Port, rabbit.VirtualHost, h =>
                {
                    h.Username(rabbit.Username);
                    h.Password(rabbit.Password);
                    // A publish completes only when the broker has taken the message: the outbox marks
                    // an event dispatched on that confirmation, never before.
                    h.PublisherConfirmation = true;
                    // On a cluster, a lost connection is made again to the next node that answers.
                    if (nodes.Count > 1)
                        h.UseCluster(c =>
                        {
                            foreach (var (host, port) in nodes)
                                c.Node($"{host}:{port}");
                        });
                });
                cfg.ConfigureEndpoints(context);
            });
        });

        builder.Services.AddHostedService<OutboxDispatcher>();
        builder.Services.AddHttpClient(RabbitMqOptions.ManagementClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton<BrokerPolicy>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BrokerPolicy>());
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<BrokerHealthCheck>("broker", tags: ["ready"]);
        return builder;
    }
}

/// <summary>Ready only when the database answers.</summary>
public sealed class DatabaseHealthCheck(RelayDb db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The database does not answer.");
}
