namespace Relay.Moderation;

/// <summary>The "Moderation" section: bounds of the automatic rules.</summary>
public class ModerationOptions
{
    /// <summary>A shorter body is held: it is rarely a letter of solidarity.</summary>
    public int MinBodyCharacters { get; set; } = 20;
    /// <summary>More links than this are held (spam carries links).</summary>
    public int MaxLinks { get; set; } = 3;
}
