using Relay.ServiceDefaults;

namespace Relay.Delivery;

/// <summary>The sender summary's lines in the sending union's preferred language, where Relay has them (English otherwise).</summary>
public sealed record SummaryText(
    string Code,
    Func<string, int, int, string> Reached,
    string Received,
    string NotReceived,
    string In,
    Func<string, string> NoLongerReceives,
    Func<string, string> Refused,
    string Delivered,
    string NotDelivered,
    Func<int, int, string> DeliveredTo,
    string Footer)
{
    private static readonly Dictionary<string, SummaryText> Texts = new()
    {
        ["en"] = new("en", (t, s, n) => $"Your message \"{t}\" reached {s} of {n} unions.", "Received:", "Not received:", "in",
            d => $"no longer receives messages ({d})", d => $"its mail server refused the message: {d}",
            "Delivered", "Not delivered", (s, n) => $"Delivered to {s} of {n}", "Relay. Reply to this email to reach the coordinators."),
        ["es"] = new("es", (t, s, n) => $"Su mensaje «{t}» llegó a {s} de {n} sindicatos.", "Lo recibieron:", "No lo recibieron:", "en",
            d => $"ya no recibe mensajes ({d})", d => $"su servidor de correo rechazó el mensaje: {d}",
            "Entregado", "No entregado", (s, n) => $"Entregado a {s} de {n}", "Relay. Responda a este correo para escribir a la coordinación."),
        ["fr"] = new("fr", (t, s, n) => $"Votre message « {t} » a atteint {s} syndicats sur {n}.", "Reçu par :", "Non reçu par :", "en",
            d => $"ne reçoit plus de messages ({d})", d => $"son serveur de courriel a refusé le message : {d}",
            "Distribué", "Non distribué", (s, n) => $"Distribué à {s} sur {n}", "Relay. Répondez à ce courriel pour écrire à la coordination."),
        ["pt"] = new("pt", (t, s, n) => $"A sua mensagem «{t}» chegou a {s} de {n} sindicatos.", "Receberam:", "Não receberam:", "em",
            d => $"já não recebe mensagens ({d})", d => $"o seu servidor de correio recusou a mensagem: {d}",
            "Entregue", "Não entregue", (s, n) => $"Entregue a {s} de {n}", "Relay. Responda a este e-mail para escrever à coordenação."),
        ["ca"] = new("ca", (t, s, n) => $"El vostre missatge «{t}» ha arribat a {s} de {n} sindicats.", "L'han rebut:", "No l'han rebut:", "en",
            d => $"ja no rep missatges ({d})", d => $"el seu servidor de correu ha rebutjat el missatge: {d}",
            "Lliurat", "No lliurat", (s, n) => $"Lliurat a {s} de {n}", "Relay. Responeu a aquest correu per escriure a la coordinació."),
    };

    public static SummaryText For(string language) => Texts.GetValueOrDefault(LanguageTags.Primary(language)) ?? Texts["en"];

    /// <summary>A language's name: in English for English, otherwise as its speakers write it ("español", "українська").</summary>
    public string LanguageName(string tag)
    {
        if (Code == "en")
            return LanguageTags.EnglishName(tag);
        var name = LanguageTags.NativeName(tag);
        // Languages that write their own name in lower case, as the sentence around it does.
        return LowerCaseNames.Contains(LanguageTags.Primary(tag)) ? name.ToLowerInvariant() : name;
    }

    private static readonly HashSet<string> LowerCaseNames = ["es", "fr", "pt", "ca", "it", "uk", "ru", "be"];
}
