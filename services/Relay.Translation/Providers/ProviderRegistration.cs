using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Polly;
using Relay.Translation.Providers.Azure;
using Relay.Translation.Providers.DeepL;
using Relay.Translation.Providers.LibreTranslate;

namespace Relay.Translation.Providers;

/// <summary>
/// Registers the optional, paid or separately hosted providers: each only when its configuration is
/// present, so a deployment without a key simply has fewer routes.
/// </summary>
public static class ProviderRegistration
{
    public static IServiceCollection AddOptionalProviders(this IServiceCollection services, IConfiguration configuration)
    {
        if (IsSet(configuration, $"{AzureTranslatorOptions.Section}:Key"))
        {
            services.AddProviderClient<AzureTranslatorClient, AzureTranslatorOptions>(AzureTranslatorOptions.Section);
            services.AddSingleton<ITranslationProvider, AzureTranslator>();
        }
        if (IsSet(configuration, $"{LibreTranslateOptions.Section}:Url"))
        {
            services.AddProviderClient<LibreTranslateClient, LibreTranslateOptions>(LibreTranslateOptions.Section);
            services.AddSingleton<ITranslationProvider, LibreTranslateTranslator>();
        }
        if (IsSet(configuration, $"{DeepLOptions.Section}:Key"))
        {
            services.AddProviderClient<DeepLClient, DeepLOptions>(DeepLOptions.Section);
            services.AddSingleton<ITranslationProvider, DeepLTranslator>();
        }
        return services;
    }

    private static bool IsSet(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);

    /// <summary>
    /// The options bound from <paramref name="section"/>, and a typed client whose pipeline retries
    /// (outside) around a per-attempt timeout (inside), so an attempt that hangs is retried too.
    /// HttpClient.Timeout bounds everything, Retry-After waits included.
    /// </summary>
    private static void AddProviderClient<TClient, TOptions>(this IServiceCollection services, string section)
        where TClient : class
        where TOptions : ProviderHttpOptions
    {
        services.AddOptions<TOptions>().BindConfiguration(section);
        services.AddHttpClient<TClient>((provider, http) =>
            {
                var options = provider.GetRequiredService<IOptions<TOptions>>().Value;
                http.BaseAddress = ProviderHttp.BaseAddress(options.ServiceUrl());
                http.Timeout = options.TotalTimeout;
            })
            .AddResilienceHandler(section, (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<TOptions>>().Value;
                pipeline.AddRetry(ProviderRetry.Options(options));
                pipeline.AddTimeout(options.RequestTimeout);
            });
    }
}
