namespace Relay.Intake.PersonalData;

public static class PersonalDataExtensions
{
    /// <summary>Export, erasure, and the anonymisation that runs in the intake (one process is enough; two at once are safe).</summary>
    public static IServiceCollection AddPersonalData(this IServiceCollection services)
    {
        services.AddOptions<DataProtectionOptions>().BindConfiguration("DataProtection")
            .Validate(o => o.AnonymiseAfter >= TimeSpan.FromDays(1), "DataProtection:AnonymiseAfter must be at least a day (1.00:00:00).")
            .Validate(o => o.RunEvery >= TimeSpan.FromMinutes(1), "DataProtection:RunEvery must be at least a minute (00:01:00).")
            .Validate(o => o.FirstRunAfter >= TimeSpan.Zero, "DataProtection:FirstRunAfter cannot be negative.")
            .Validate(o => o.ChunkSize is >= 1 and <= 10_000, "DataProtection:ChunkSize must be between 1 and 10000.")
            .ValidateOnStart();
        services.AddScoped<Anonymisation>();
        services.AddScoped<Erasure>();
        services.AddScoped<PersonalDataExport>();
        services.AddHostedService<AnonymisationWork>();
        return services;
    }
}
