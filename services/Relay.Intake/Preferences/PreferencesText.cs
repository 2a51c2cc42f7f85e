using Relay.ServiceDefaults;

namespace Relay.Intake.Preferences;

/// <summary>The preferences page's words in the union's preferred language, where Relay has them (English otherwise).</summary>
public sealed record PreferencesText(
    string Code,
    string Title,
    Func<string, string> Heading,
    Func<string, string, string> NotReceiving,
    string ResumeButton,
    string Receiving,
    string StopButton,
    string LanguagesHeading,
    string LanguagesLabel,
    string SaveLanguages,
    string Stopped,
    string Resumed,
    Func<string, string> LanguagesSaved)
{
    private static readonly Dictionary<string, PreferencesText> Texts = new()
    {
        ["en"] = new("en", "Your Relay messages", n => $"Relay messages for {n}",
            (since, why) => $"You do not receive messages through Relay (since {since}): {why}", "Receive messages again",
            "Unions write to you through Relay, and each message reaches you in your languages with the original below.", "Stop receiving messages",
            "Your languages", "Languages, the preferred first (codes such as es, en, pt-BR):", "Save languages",
            "You will no longer receive messages through Relay. You can change your mind on this page at any time.",
            "You will receive messages through Relay again.",
            l => $"Your messages will come in {l}, in that order, with the original below."),
        ["es"] = new("es", "Sus mensajes de Relay", n => $"Mensajes de Relay para {n}",
            (since, why) => $"No recibe mensajes a través de Relay (desde {since}): {why}", "Volver a recibir mensajes",
            "Los sindicatos le escriben a través de Relay, y cada mensaje le llega en sus idiomas con el original debajo.", "Dejar de recibir mensajes",
            "Sus idiomas", "Idiomas, el preferido primero (códigos como es, en, pt-BR):", "Guardar idiomas",
            "Ya no recibirá mensajes a través de Relay. Puede cambiar de opinión en esta página en cualquier momento.",
            "Volverá a recibir mensajes a través de Relay.",
            l => $"Sus mensajes llegarán en {l}, en ese orden, con el original debajo."),
        ["fr"] = new("fr", "Vos messages Relay", n => $"Messages Relay pour {n}",
            (since, why) => $"Vous ne recevez pas de messages par Relay (depuis le {since}) : {why}", "Recevoir de nouveau les messages",
            "Des syndicats vous écrivent par Relay, et chaque message vous parvient dans vos langues avec l'original en dessous.", "Ne plus recevoir de messages",
            "Vos langues", "Langues, la préférée d'abord (codes comme es, en, pt-BR) :", "Enregistrer les langues",
            "Vous ne recevrez plus de messages par Relay. Vous pouvez changer d'avis sur cette page à tout moment.",
            "Vous recevrez de nouveau les messages par Relay.",
            l => $"Vos messages arriveront en {l}, dans cet ordre, avec l'original en dessous."),
        ["pt"] = new("pt", "As suas mensagens do Relay", n => $"Mensagens do Relay para {n}",
            (since, why) => $"Não recebe mensagens através do Relay (desde {since}): {why}", "Voltar a receber mensagens",
            "Os sindicatos escrevem-lhe através do Relay, e cada mensagem chega nas suas línguas com o original em baixo.", "Deixar de receber mensagens",
            "As suas línguas", "Línguas, a preferida primeiro (códigos como es, en, pt-BR):", "Guardar línguas",
            "Deixará de receber mensagens através do Relay. Pode mudar de ideias nesta página a qualquer momento.",
            "Voltará a receber mensagens através do Relay.",
            l => $"As suas mensagens chegarão em {l}, por esta ordem, com o original em baixo."),
        ["ca"] = new("ca", "Els vostres missatges de Relay", n => $"Missatges de Relay per a {n}",
            (since, why) => $"No rebeu missatges a través de Relay (des de {since}): {why}", "Tornar a rebre missatges",
            "Els sindicats us escriuen a través de Relay, i cada missatge us arriba en les vostres llengües amb l'original a sota.", "Deixar de rebre missatges",
            "Les vostres llengües", "Llengües, la preferida primer (codis com es, en, pt-BR):", "Desa les llengües",
            "Ja no rebreu missatges a través de Relay. Podeu canviar d'opinió en aquesta pàgina en qualsevol moment.",
            "Tornareu a rebre missatges a través de Relay.",
            l => $"Els vostres missatges arribaran en {l}, en aquest ordre, amb l'original a sota."),
    };

    public static PreferencesText For(string language) => Texts.GetValueOrDefault(LanguageTags.Primary(language)) ?? Texts["en"];

    /// <summary>
    /// Language names in running text: English names in English; otherwise each language's own
    /// name, in lower case as es, fr, pt and ca write them mid-sentence ("português (Brasil)").
    /// </summary>
    public string NamesOf(IEnumerable<string> languages) =>
        string.Join(", ", languages.Select(l => Code == "en" ? LanguageTags.EnglishName(l) : LowerFirst(LanguageTags.NativeName(l))));

    private static string LowerFirst(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
