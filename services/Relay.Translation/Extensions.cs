using Microsoft.Extensions.Options;
using Relay.Translation.Detection;
using Relay.Translation.Providers;
using Relay.Translation.Providers.Apertium;

namespace Relay.Translation;

public static class Extensions
{
    public static IServiceCollection AddTranslation(this IServiceCollection services)
    {
        services.AddOptions<TranslationOptions>().BindConfiguration("Translation");
        services.AddOptions<ApertiumOptions>().BindConfiguration("Apertium");
        services.AddHttpClient<ApertiumClient>((sp, http) =>
        {
            var options = sp.GetRequiredService<IOptions<ApertiumOptions>>().Value;
            http.BaseAddress = new Uri(options.Url);
            http.Timeout = options.RequestTimeout;
        });
        services.AddSingleton<ITranslationProvider, ApertiumTranslator>();
        services.AddSingleton<LanguageDetector>();
        services.AddScoped<TranslationCache>();
        services.AddScoped<RouteTranslator>();
        services.AddScoped<TranslationStage>();
        return services;
    }
}
