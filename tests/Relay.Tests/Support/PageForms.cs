using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Relay.Tests.Support;

/// <summary>Driving the server-rendered forms as a browser without JavaScript would: cookies kept, redirects seen, tokens read from the page.</summary>
public static partial class PageForms
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("name=\"FormKey\" value=\"([^\"]+)\"")]
    private static partial Regex FormKeyField();

    public static HttpClient Browser(this RelayApplication app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>The antiforgery token of the page's (first) form.</summary>
    public static string Token(string page) => AntiforgeryToken().Match(page).Groups[1].Value;

    /// <summary>The hidden key that makes a double submit store one message.</summary>
    public static string FormKey(string page) => FormKeyField().Match(page).Groups[1].Value;

    public static Task<HttpResponseMessage> PostFormAsync(this HttpClient browser, string path, IEnumerable<KeyValuePair<string, string>> fields) =>
        browser.PostAsync(path, new FormUrlEncodedContent(fields));
}
