using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Relay.Delivery;

namespace Relay.Tests.Delivery;

/// <summary>DKIM signatures checked with MimeKit's verifier against the public key the signing key belongs to (as a receiver would find it in DNS).</summary>
public class DkimSigningTests
{
    private sealed class PublishedKey(string txtRecord) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            domain == "relay.example" && selector == "relay2026" ? GetPublicKey(txtRecord) : throw new InvalidOperationException($"no key for {selector}._domainkey.{domain}");

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }

    private static (DkimSigning Signing, DkimVerifier Verifier) KeyPair()
    {
        using var rsa = RSA.Create(2048);
        var keyFile = Path.Combine(Directory.CreateTempSubdirectory("relay-dkim-").FullName, "dkim.pem");
        File.WriteAllText(keyFile, rsa.ExportRSAPrivateKeyPem());
        var txt = $"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}";
        var signing = new DkimSigning(Options.Create(new DkimOptions { Domain = "relay.example", Selector = "relay2026", PrivateKeyFile = keyFile }));
        return (signing, new DkimVerifier(new PublishedKey(txt)));
    }

    private static MimeMessage Email()
    {
        var draft = new EmailDraft(Guid.NewGuid(), Guid.NewGuid(), "Zakhyst Pratsi", "zp@unions.example", null, "Sintracarbón", "sintracarbon@unions.example",
            [new EmailText("es", "Solidaridad con los mineros", "Queridos colegas,\n\ntoda nuestra solidaridad — ¡adelante!", "machine", "apertium")],
            new EmailText("uk", "Солідарність з шахтарями", "Дорогі колеги,\n\nвся наша солідарність."), "https://relay.example/preferences/token");
        return MailComposer.Compose(draft, new MailOptions { FromAddress = "relay@relay.example", MessageIdDomain = "relay.example" });
    }

    [Fact]
    public void A_signed_email_verifies_against_the_published_key_and_covers_the_opt_out_headers()
    {
        var (signing, verifier) = KeyPair();
        var email = Email();

        signing.Sign(email);

        var signature = email.Headers[email.Headers.IndexOf(HeaderId.DkimSignature)];
        Assert.True(verifier.Verify(email, signature));
        var signed = signature.Value.Replace(" ", "").Replace("\t", "").Replace("\r\n", "");
        Assert.Contains("d=relay.example", signed);
        Assert.Contains("list-unsubscribe:list-unsubscribe-post", signed, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_signed_email_changed_on_the_way_no_longer_verifies()
    {
        var (signing, verifier) = KeyPair();
        var email = Email();
        signing.Sign(email);

        email.Subject = "Solidaridad con los patrones";

        Assert.False(verifier.Verify(email, email.Headers[email.Headers.IndexOf(HeaderId.DkimSignature)]));
    }

    [Fact]
    public void Without_a_key_nothing_is_signed()
    {
        var email = Email();

        new DkimSigning(Options.Create(new DkimOptions())).Sign(email);

        Assert.Equal(-1, email.Headers.IndexOf(HeaderId.DkimSignature));
    }
}
