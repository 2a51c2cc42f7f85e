namespace Relay.Publication;

/// <summary>The "Publication" section.</summary>
public class PublicationOptions
{
    /// <summary>The public site's address, for the publication URL shown to senders.</summary>
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:8080";
}
