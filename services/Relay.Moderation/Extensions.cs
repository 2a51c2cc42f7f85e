using Relay.Moderation.Screening;

namespace Relay.Moderation;

public static class Extensions
{
    public static IServiceCollection AddModeration(this IServiceCollection services)
    {
        services.AddOptions<ModerationOptions>().BindConfiguration("Moderation");
        services.AddSingleton<BlocklistFiles>();
        services.AddScreeningServices();
        services.AddScoped<ScreeningStage>();
        return services;
    }
}
