namespace Relay.Intake.MailIntake;

public static class MailIntakeExtensions
{
    /// <summary>The intake mailbox's poller (off unless MailIntake:Host is set) and what it records with.</summary>
    public static IServiceCollection AddMailIntake(this IServiceCollection services)
    {
        services.AddOptions<MailIntakeOptions>().BindConfiguration("MailIntake");
        services.AddScoped<MailIntakeRecorder>();
        services.AddSingleton<IntakeMailbox>();
        services.AddHostedService(sp => sp.GetRequiredService<IntakeMailbox>());
        return services;
    }
}
