using Relay.Translation;
using Relay.Translation.Providers;

namespace Relay.Tests.Translation;

public class TranslationRoutesTests
{
    // The pairs Debian's Apertium packages install here, plus a commercial provider covering en↔uk.
    private static readonly Dictionary<string, IReadOnlySet<LanguagePair>> Installed = new()
    {
        ["apertium"] = Pairs("en-es", "es-en", "fr-es", "es-fr", "es-pt", "pt-es", "en-ca", "ca-en", "be-ru", "ru-be"),
        ["azure"] = Pairs("en-uk", "uk-en", "en-es"),
    };

    private static IReadOnlySet<LanguagePair> Pairs(params string[] pairs) =>
        pairs.Select(p => new LanguagePair(p[..2], p[3..])).ToHashSet();

    private static IReadOnlyList<string> Default(string from, string to) => ["apertium", "azure"];

    private static IReadOnlyList<Route> Find(string from, string to, Func<string, string, IReadOnlyList<string>>? preference = null) =>
        TranslationRoutes.Find(from, to, Installed, preference ?? Default, maxHops: 3);

    [Fact]
    public void A_direct_pair_comes_first_on_each_provider_in_order_of_preference()
    {
        var routes = Find("en", "es");
        Assert.Equal(new[] { "en>es (apertium)", "en>es (azure)" }, routes.Take(2).Select(r => r.ToString()));
        Assert.False(routes[0].IsPivot);
    }

    [Fact]
    public void A_per_pair_preference_reorders_and_limits_providers()
    {
        var routes = Find("en", "es", (from, to) => from == "en" && to == "es" ? ["azure"] : Default(from, to));
        Assert.Equal("en>es (azure)", routes[0].ToString());
        Assert.DoesNotContain(routes, r => r.Hops.Count == 1 && r.Providers == "apertium");
    }

    [Theory]
    [InlineData("fr", "pt", "fr>es>pt")]
    [InlineData("ca", "es", "ca>en>es")]
    [InlineData("uk", "es", "uk>en>es")]
    [InlineData("pt", "fr", "pt>es>fr")]
    public void Without_a_direct_pair_the_shortest_pivot_is_found(string from, string to, string path)
    {
        var route = Assert.Single(Find(from, to));
        Assert.True(route.IsPivot);
        Assert.Equal(path, route.Path);
    }

    [Fact]
    public void A_pivot_takes_each_hop_on_a_provider_that_has_it()
    {
        var route = Assert.Single(Find("uk", "es"));
        Assert.Equal(new[] { "azure", "apertium" }, route.Hops.Select(h => h.Provider));
        Assert.Equal("azure+apertium", route.Providers);
    }

    [Theory]
    [InlineData("en", "de")]
    [InlineData("be", "es")]
    public void A_language_nothing_reaches_has_no_route(string from, string to) => Assert.Empty(Find(from, to));

    [Fact]
    public void Pivots_stop_at_the_hop_limit() =>
        Assert.Empty(TranslationRoutes.Find("ca", "pt", Installed, Default, maxHops: 2));
}
