using Microsoft.Extensions.Options;
using Relay.Delivery.Bounces;
using Relay.ServiceDefaults;

namespace Relay.Delivery;

public static class Extensions
{
    public static IServiceCollection AddEmailDelivery(this IServiceCollection services)
    {
        services.AddOptions<SmtpOptions>().BindConfiguration("Smtp");
        services.AddOptions<MailOptions>().BindConfiguration("Mail");
        services.AddSingleton<SmtpConnectionPool>();
        services.AddHealthChecks().AddCheck<SmtpHealthCheck>("smtp", tags: ["ready"]);
        services.AddOptions<DeliveryOptions>().BindConfiguration("Delivery")
            .Validate<IOptions<RabbitMqOptions>>((delivery, rabbit) => delivery.BatchSize >= 1 && delivery.BatchSize <= rabbit.Value.PrefetchCount,
                "Delivery:BatchSize must be at least 1 and at most RabbitMq:PrefetchCount (16 unless set)")
            .Validate(delivery => delivery.BatchWait > TimeSpan.Zero, "Delivery:BatchWait must be longer than zero")
            .ValidateOnStart();
        services.AddOptions<DkimOptions>().BindConfiguration("Dkim");
        services.AddSingleton<DkimSigning>();
        services.AddSingleton<DomainRateLimiter>();
        services.AddSingleton<OnceOnlyMail>();
        services.AddRecipientLinks();
        services.AddScoped<DeliveryStage>();
        services.AddOptions<BounceOptions>().BindConfiguration("Bounces");
        services.AddScoped<BounceRecorder>();
        services.AddSingleton<BounceMailbox>();
        services.AddHostedService(sp => sp.GetRequiredService<BounceMailbox>());
        services.AddSingleton<DeferredDeliveryScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<DeferredDeliveryScheduler>());
        return services;
    }
}
