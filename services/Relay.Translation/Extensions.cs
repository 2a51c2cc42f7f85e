using Relay.Translation.Apertium;
using Relay.Translation.Detection;

namespace Relay.Translation;

public static class Extensions
{
    public static IServiceCollection AddTranslation(this IServiceCollection services)
    {
        services.AddOptions<TranslationOptions>().BindConfiguration("Translation");
        services.AddOptions<ApertiumOptions>().BindConfiguration("Apertium");
        services.AddHttpClient<ApertiumClient>((sp, http) =>
        {
            var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApertiumOptions>>().Value;
            http.BaseAddress = new Uri(options.Url);
            http.Timeout = options.RequestTimeout;
        });
        services.AddSingleton<ApertiumTranslator>();
        services.AddSingleton<ITranslator>(sp => sp.GetRequiredService<ApertiumTranslator>());
        services.AddSingleton<LanguageDetector>();
        services.AddScoped<TranslationStage>();
        return services;
    }
}
