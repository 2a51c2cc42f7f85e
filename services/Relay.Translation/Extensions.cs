using Relay.Translation.Apertium;
using Relay.Translation.Detection;

namespace Relay.Translation;

public static class Extensions
{
    public static IHostApplicationBuilder AddTranslation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TranslationOptions>().BindConfiguration(nameof(TranslationOptions).Replace("Options", ""));
        builder.Services.AddOptions<ApertiumOptions>().BindConfiguration("Apertium");
        builder.Services.AddHttpClient<ApertiumClient>((sp, http) =>
        {
            var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApertiumOptions>>().Value;
            http.BaseAddress = new Uri(options.Url);
            http.Timeout = options.RequestTimeout;
        });
        builder.Services.AddSingleton<ApertiumTranslator>();
        builder.Services.AddSingleton<ITranslator>(sp => sp.GetRequiredService<ApertiumTranslator>());
        builder.Services.AddSingleton<LanguageDetector>();
        builder.Services.AddScoped<TranslationStage>();
        return builder;
    }
}
