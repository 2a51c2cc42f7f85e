namespace Relay.Delivery;

public static class Extensions
{
    public static IServiceCollection AddEmailDelivery(this IServiceCollection services)
    {
        services.AddOptions<SmtpOptions>().BindConfiguration("Smtp");
        services.AddOptions<MailOptions>().BindConfiguration("Mail");
        services.AddSingleton<SmtpConnectionPool>();
        services.AddOptions<DeliveryOptions>().BindConfiguration("Delivery");
        services.AddScoped<DeliveryStage>();
        services.AddSingleton<DeferredDeliveryScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<DeferredDeliveryScheduler>());
        return services;
    }
}
