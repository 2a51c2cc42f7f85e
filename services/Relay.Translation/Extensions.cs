using Microsoft.Extensions.Http.Resilience;
using Polly;
using Microsoft.Extensions.Options;
using Relay.Translation.Detection;
using Relay.Translation.Providers;
using Relay.Translation.Providers.Apertium;

namespace Relay.Translation;

public static class Extensions
{
    public static IServiceCollection AddTranslation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TranslationOptions>().BindConfiguration("Translation");
        services.AddOptions<ApertiumOptions>().BindConfiguration("Apertium");
        services.AddHttpClient<ApertiumClient>((sp, http) =>
        {
            var options = sp.GetRequiredService<IOptions<ApertiumOptions>>().Value;
            http.BaseAddress = new Uri(options.Url);
            http.Timeout = options.RequestTimeout;
        }).AddResilienceHandler("apertium", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<ApertiumOptions>>().Value;
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(0, options.MaxAttempts - 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .HandleResult(response => ProviderRetry.IsTransient(response.StatusCode)),
            });
        });
        services.AddSingleton<ITranslationProvider, ApertiumTranslator>();
        services.AddHealthChecks().AddCheck<ApertiumHealthCheck>("apertium", tags: ["ready"]);
        services.AddOptionalProviders(configuration);
        services.AddSingleton<LanguageDetector>();
        services.AddScoped<TranslationCache>();
        services.AddScoped<RouteTranslator>();
        services.AddScoped<TranslationStage>();
        services.AddHostedService<AwaitingTranslationRetry>();
        return services;
    }
}
