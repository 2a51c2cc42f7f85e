using Microsoft.Extensions.Options;
using Relay.ServiceDefaults;

namespace Relay.Tests.Support;

/// <summary>Secrets made for one test run, never written down.</summary>
public static class TestSecrets
{
    public static readonly string LinkSecret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static RecipientLinks Links { get; } = new(Options.Create(new LinkOptions { Secret = LinkSecret }));
}
