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
        services.AddOptions<DeliveryOptions>().BindConfiguration("Delivery");
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
