using Microsoft.Extensions.DependencyInjection;
using Relay.Translation.Providers;

namespace Relay.Tests.Translation.Contracts;

/// <summary>A provider exists only when its configuration does.</summary>
public class ProviderRegistrationContractTests
{
    [Fact]
    public void Nothing_is_registered_without_configuration()
    {
        using var host = ProviderHost.Build(new Dictionary<string, string?> { ["Azure:Region"] = "westeurope" });

        Assert.Empty(host.GetServices<ITranslationProvider>());
    }

    [Fact]
    public void Each_configured_provider_is_registered()
    {
        using var host = ProviderHost.Build(new Dictionary<string, string?>
        {
            ["Azure:Key"] = "k",
            ["LibreTranslate:Url"] = "http://127.0.0.1:5000",
            ["DeepL:Key"] = "k:fx",
        });

        Assert.Equal(["azure", "libretranslate", "deepl"], host.GetServices<ITranslationProvider>().Select(p => p.Name));
    }
}
