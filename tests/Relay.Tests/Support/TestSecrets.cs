using Microsoft.Extensions.Options;
using Relay.ServiceDefaults;

namespace Relay.Tests.Support;

/// <summary>Secrets made for one test run, never written down.</summary>
public static class TestSecrets
{
    public static readonly string LinkSecret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static LinkSigner Signer { get; } = new(Options.Create(new LinkOptions { Secret = LinkSecret }));
    public static RecipientLinks Links { get; } = new(Signer);
    public static ConfirmationLinks ConfirmationLinks { get; } = new(Signer);
    public static SignInLinks SignInLinks { get; } = new(Signer);
}
