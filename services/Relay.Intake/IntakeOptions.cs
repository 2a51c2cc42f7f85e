namespace Relay.Intake;

/// <summary>The "Intake" section.</summary>
public class IntakeOptions
{
    /// <summary>Where the local run keeps the coordinator key it creates on first start.</summary>
    public string CoordinatorKeyFile { get; set; } = ".relay/coordinator.key";
    public int MaxTitleCharacters { get; set; } = 200;
    public int MaxBodyCharacters { get; set; } = 20_000;
    public int MaxRecipients { get; set; } = 500;
    /// <summary>The largest request body accepted (1 MiB); a larger one gets 413.</summary>
    public long MaxRequestBytes { get; set; } = 1024 * 1024;
    /// <summary>Messages per page on the public site.</summary>
    public int PageSize { get; set; } = 20;
    /// <summary>The language the public site uses when the reader states none.</summary>
    public string DefaultLanguage { get; set; } = "en";
}
