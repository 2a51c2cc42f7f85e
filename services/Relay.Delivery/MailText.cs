namespace Relay.Delivery;

/// <summary>The few fixed lines of an email, in the recipient's language where Relay has them (English otherwise).</summary>
public sealed record MailText(
    Func<string, string> MachineTranslation,
    string HumanTranslation,
    Func<string, string> Original,
    Func<string, string, string> Footer,
    string Preferences)
{
    private static readonly Dictionary<string, MailText> Texts = new()
    {
        ["en"] = new(p => $"Machine translation by {p}. The original follows below.",
            "Translated by a volunteer. The original follows below.",
            l => $"Original ({l})",
            (by, union) => $"Sent by {by} through Relay. Reply to this email to write to {union} directly.",
            "Stop receiving these messages, or change their languages"),
        ["es"] = new(p => $"Traducción automática de {p}. El original figura más abajo.",
            "Traducido por una persona voluntaria. El original figura más abajo.",
            l => $"Original ({l})",
            (by, union) => $"Enviado por {by} a través de Relay. Responda a este correo para escribir directamente a {union}.",
            "Dejar de recibir estos mensajes o cambiar sus idiomas"),
        ["fr"] = new(p => $"Traduction automatique par {p}. L'original suit ci-dessous.",
            "Traduit par un·e bénévole. L'original suit ci-dessous.",
            l => $"Original ({l})",
            (by, union) => $"Envoyé par {by} via Relay. Répondez à ce courriel pour écrire directement à {union}.",
            "Ne plus recevoir ces messages, ou changer leurs langues"),
        ["pt"] = new(p => $"Tradução automática por {p}. O original segue abaixo.",
            "Traduzido por um voluntário. O original segue abaixo.",
            l => $"Original ({l})",
            (by, union) => $"Enviado por {by} através do Relay. Responda a este e-mail para escrever diretamente a {union}.",
            "Deixar de receber estas mensagens ou mudar os seus idiomas"),
        ["ca"] = new(p => $"Traducció automàtica de {p}. L'original segueix a continuació.",
            "Traduït per una persona voluntària. L'original segueix a continuació.",
            l => $"Original ({l})",
            (by, union) => $"Enviat per {by} a través de Relay. Responeu a aquest correu per escriure directament a {union}.",
            "Deixar de rebre aquests missatges o canviar-ne les llengües"),
    };

    public static MailText For(string language) =>
        Texts.GetValueOrDefault(language.Split('-')[0].ToLowerInvariant()) ?? Texts["en"];

    public string HowTranslated(string origin, string provider) =>
        origin == "human" ? HumanTranslation : MachineTranslation(ProviderName(provider));

    private static string ProviderName(string provider) => provider.Length == 0 ? provider : char.ToUpperInvariant(provider[0]) + provider[1..];
}
