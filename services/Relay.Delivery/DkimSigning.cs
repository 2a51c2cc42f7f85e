using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace Relay.Delivery;

/// <summary>The "Dkim" section. Signing is on when all three are set; the key file is a PEM private key kept out of the repository.</summary>
public class DkimOptions
{
    /// <summary>The signing domain (d=), normally the domain of Mail:FromAddress.</summary>
    public string? Domain { get; set; }
    /// <summary>The selector (s=) under which the public key is published in DNS.</summary>
    public string? Selector { get; set; }
    public string? PrivateKeyFile { get; set; }

    public bool Enabled => !string.IsNullOrEmpty(Domain) && !string.IsNullOrEmpty(Selector) && !string.IsNullOrEmpty(PrivateKeyFile);
}

/// <summary>
/// Signs outgoing mail with DKIM (relaxed/relaxed, RSA-SHA256) when a key is configured, covering
/// the headers a receiver judges the message by, List-Unsubscribe and List-Unsubscribe-Post
/// included (RFC 8058 asks for both to be signed).
/// </summary>
public sealed class DkimSigning
{
    private static readonly HeaderId[] SignedHeaders =
    [
        HeaderId.From, HeaderId.ReplyTo, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId,
        HeaderId.MimeVersion, HeaderId.ContentType, HeaderId.ContentLanguage, HeaderId.ListUnsubscribe, HeaderId.ListUnsubscribePost,
    ];

    private readonly DkimSigner? _signer;

    public DkimSigning(IOptions<DkimOptions> options)
    {
        var o = options.Value;
        if (!o.Enabled)
            return;
        if (!File.Exists(o.PrivateKeyFile))
            throw new OptionsValidationException("Dkim", typeof(DkimOptions), [$"Dkim:PrivateKeyFile '{o.PrivateKeyFile}' does not exist."]);
        _signer = new DkimSigner(o.PrivateKeyFile, o.Domain!, o.Selector!)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
    }

    public bool Enabled => _signer is not null;

    /// <summary>Adds a DKIM-Signature header. The body is first fixed in 7-bit form, so no server on the way re-encodes (and breaks) what was signed.</summary>
    public void Sign(MimeMessage message)
    {
        if (_signer is null)
            return;
        message.Prepare(EncodingConstraint.SevenBit);
        _signer.Sign(message, SignedHeaders);
    }
}
