namespace Relay.Delivery;

public static class Extensions
{
    public static IHostApplicationBuilder AddEmailDelivery(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SmtpOptions>().BindConfiguration("Smtp");
        builder.Services.AddOptions<MailOptions>().BindConfiguration("Mail");
        builder.Services.AddSingleton<SmtpConnectionPool>();
        builder.Services.AddScoped<DeliveryStage>();
        return builder;
    }
}
