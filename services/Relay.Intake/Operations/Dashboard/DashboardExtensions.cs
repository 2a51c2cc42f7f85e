namespace Relay.Intake.Operations.Dashboard;

public static class DashboardExtensions
{
    /// <summary>The coordinators' dashboard (/review/dashboard): its thresholds and what it reads with.</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddOptions<DashboardOptions>().BindConfiguration("Dashboard");
        services.AddScoped<PipelineReader>();
        services.AddSingleton<BrokerQueues>();
        return services;
    }
}
