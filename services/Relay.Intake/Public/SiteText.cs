using Relay.ServiceDefaults;

namespace Relay.Intake.Public;

/// <summary>
/// The public site's own words in the languages Relay has them in; any other reader language gets
/// English, marked as such (<see cref="Language"/> goes into the lang attribute). Language names come
/// from <see cref="LanguageTags.NativeName"/>.
/// </summary>
public sealed record SiteText(
    string Language,
    string SkipToContent, string Tagline, string SelectLanguage, string AtomFeed, string TakedownLog,
    string MessagesTitle, string FilterMessages, string RecipientUnion, string AllUnions, string Country, string AllCountries, string ShowMessages,
    Func<int, string> Matching, string ShowAll, string NonePublished, string NoneMatching,
    Func<string, string, string> NotYetTranslated, string ReadMore, string ReadMoreOf, string Pages, string Newer, string Older, Func<int, int, string> PageOf,
    string FeedOfUnion,
    Func<string, string> OriginalText, Func<string, string> ByVolunteer, Func<string, string, string> ByMachine, Func<string, string, string, string> ByMachineVia,
    Func<string, string> OriginalHeading, string OtherLanguages, string ReadIn, string AllMessages,
    string TakedownIntro, string NothingTakenDown, string TakenDownCaption, string Date, string Sender, string Reason)
{
    private static readonly Dictionary<string, SiteText> Texts = new[]
    {
        new SiteText("en", "Skip to content", "solidarity between unions, in every language", "Select language", "Atom feed", "Takedown log",
            "Messages of solidarity", "Filter messages", "Recipient union", "All unions", "Country (sender or recipient)", "All countries", "Show messages",
            n => n == 1 ? "1 message matches." : $"{n} messages match.", "Show all messages", "No messages have been published yet.", "No messages that match have been published yet.",
            (reader, original) => $"Not yet translated into {reader}; shown in the original ({original}).", "Read more", "Read more:", "Pages", "Newer", "Older", (p, n) => $"Page {p} of {n}",
            "Atom feed of the messages to",
            l => $"Original text, written in {l}.", l => $"Translated by a volunteer from {l}.", (p, l) => $"Machine translation ({p}) from {l}.",
            (p, l, via) => $"Machine translation ({p}) from {l}, by way of {via}.",
            l => $"Original ({l})", "Other languages", "Read this message in", "All messages",
            "Messages that coordinators removed from this site after publishing them, newest first, with the reason they gave. What the messages said is not repeated here.",
            "Nothing has been taken down.", "Messages taken down", "Date", "Sender", "Reason"),
        new SiteText("es", "Saltar al contenido", "solidaridad entre sindicatos, en todos los idiomas", "Elegir idioma", "Canal Atom", "Registro de retiradas",
            "Mensajes de solidaridad", "Filtrar mensajes", "Sindicato destinatario", "Todos los sindicatos", "País (remitente o destinatario)", "Todos los países", "Mostrar mensajes",
            n => n == 1 ? "1 mensaje coincide." : $"{n} mensajes coinciden.", "Mostrar todos los mensajes", "Aún no se ha publicado ningún mensaje.", "Aún no se ha publicado ningún mensaje que coincida.",
            (reader, original) => $"Aún sin traducir al {reader}; se muestra el original ({original}).", "Leer más", "Leer más:", "Páginas", "Más recientes", "Anteriores", (p, n) => $"Página {p} de {n}",
            "Canal Atom de los mensajes a",
            l => $"Texto original, escrito en {l}.", l => $"Traducido por una persona voluntaria desde {l}.", (p, l) => $"Traducción automática ({p}) desde {l}.",
            (p, l, via) => $"Traducción automática ({p}) desde {l}, pasando por {via}.",
            l => $"Original ({l})", "Otros idiomas", "Leer este mensaje en", "Todos los mensajes",
            "Mensajes que la coordinación retiró de este sitio después de publicarlos, del más reciente al más antiguo, con el motivo que dio. Lo que decían los mensajes no se repite aquí.",
            "No se ha retirado nada.", "Mensajes retirados", "Fecha", "Remitente", "Motivo"),
        new SiteText("fr", "Aller au contenu", "la solidarité entre syndicats, dans toutes les langues", "Choisir la langue", "Flux Atom", "Journal des retraits",
            "Messages de solidarité", "Filtrer les messages", "Syndicat destinataire", "Tous les syndicats", "Pays (expéditeur ou destinataire)", "Tous les pays", "Afficher les messages",
            n => n == 1 ? "1 message correspond." : $"{n} messages correspondent.", "Afficher tous les messages", "Aucun message n'a encore été publié.", "Aucun message correspondant n'a encore été publié.",
            (reader, original) => $"Pas encore traduit en {reader} ; affiché dans l'original ({original}).", "Lire la suite", "Lire la suite :", "Pages", "Plus récents", "Plus anciens", (p, n) => $"Page {p} sur {n}",
            "Flux Atom des messages adressés à",
            l => $"Texte original, écrit en {l}.", l => $"Traduit par une personne bénévole depuis {l}.", (p, l) => $"Traduction automatique ({p}) depuis {l}.",
            (p, l, via) => $"Traduction automatique ({p}) depuis {l}, en passant par {via}.",
            l => $"Original ({l})", "Autres langues", "Lire ce message en", "Tous les messages",
            "Messages que la coordination a retirés de ce site après les avoir publiés, du plus récent au plus ancien, avec le motif donné. Le contenu des messages n'est pas repris ici.",
            "Rien n'a été retiré.", "Messages retirés", "Date", "Expéditeur", "Motif"),
        new SiteText("pt", "Saltar para o conteúdo", "solidariedade entre sindicatos, em todas as línguas", "Escolher a língua", "Feed Atom", "Registo de remoções",
            "Mensagens de solidariedade", "Filtrar mensagens", "Sindicato destinatário", "Todos os sindicatos", "País (remetente ou destinatário)", "Todos os países", "Mostrar mensagens",
            n => n == 1 ? "1 mensagem corresponde." : $"{n} mensagens correspondem.", "Mostrar todas as mensagens", "Ainda não foi publicada nenhuma mensagem.", "Ainda não foi publicada nenhuma mensagem correspondente.",
            (reader, original) => $"Ainda não traduzida para {reader}; mostrada no original ({original}).", "Ler mais", "Ler mais:", "Páginas", "Mais recentes", "Mais antigas", (p, n) => $"Página {p} de {n}",
            "Feed Atom das mensagens para",
            l => $"Texto original, escrito em {l}.", l => $"Traduzida por uma pessoa voluntária a partir de {l}.", (p, l) => $"Tradução automática ({p}) a partir de {l}.",
            (p, l, via) => $"Tradução automática ({p}) a partir de {l}, passando por {via}.",
            l => $"Original ({l})", "Outras línguas", "Ler esta mensagem em", "Todas as mensagens",
            "Mensagens que a coordenação retirou deste sítio depois de as publicar, da mais recente para a mais antiga, com o motivo indicado. O que as mensagens diziam não é repetido aqui.",
            "Nada foi retirado.", "Mensagens retiradas", "Data", "Remetente", "Motivo"),
        new SiteText("ca", "Vés al contingut", "solidaritat entre sindicats, en totes les llengües", "Tria la llengua", "Canal Atom", "Registre de retirades",
            "Missatges de solidaritat", "Filtra els missatges", "Sindicat destinatari", "Tots els sindicats", "País (remitent o destinatari)", "Tots els països", "Mostra els missatges",
            n => n == 1 ? "1 missatge hi coincideix." : $"{n} missatges hi coincideixen.", "Mostra tots els missatges", "Encara no s'ha publicat cap missatge.", "Encara no s'ha publicat cap missatge que hi coincideixi.",
            (reader, original) => $"Encara sense traduir al {reader}; es mostra l'original ({original}).", "Llegiu-ne més", "Llegiu-ne més:", "Pàgines", "Més recents", "Anteriors", (p, n) => $"Pàgina {p} de {n}",
            "Canal Atom dels missatges a",
            l => $"Text original, escrit en {l}.", l => $"Traduït per una persona voluntària des de {l}.", (p, l) => $"Traducció automàtica ({p}) des de {l}.",
            (p, l, via) => $"Traducció automàtica ({p}) des de {l}, passant per {via}.",
            l => $"Original ({l})", "Altres llengües", "Llegiu aquest missatge en", "Tots els missatges",
            "Missatges que la coordinació ha retirat d'aquest lloc després de publicar-los, del més recent al més antic, amb el motiu que n'ha donat. El que deien els missatges no es repeteix aquí.",
            "No s'ha retirat res.", "Missatges retirats", "Data", "Remitent", "Motiu"),
        new SiteText("uk", "Перейти до змісту", "солідарність між профспілками всіма мовами", "Вибрати мову", "Стрічка Atom", "Журнал вилучень",
            "Повідомлення солідарності", "Фільтр повідомлень", "Профспілка-адресат", "Усі профспілки", "Країна (відправника або адресата)", "Усі країни", "Показати повідомлення",
            n => $"Збігів: {n}.", "Показати всі повідомлення", "Ще не опубліковано жодного повідомлення.", "Ще не опубліковано жодного повідомлення, що відповідає фільтру.",
            (reader, original) => $"Ще не перекладено ({reader}); показано оригінал ({original}).", "Читати далі", "Читати далі:", "Сторінки", "Новіші", "Старіші", (p, n) => $"Сторінка {p} з {n}",
            "Стрічка Atom повідомлень до",
            l => $"Оригінальний текст, мова: {l}.", l => $"Переклад волонтера, з мови: {l}.", (p, l) => $"Машинний переклад ({p}), з мови: {l}.",
            (p, l, via) => $"Машинний переклад ({p}), з мови: {l}, через: {via}.",
            l => $"Оригінал ({l})", "Інші мови", "Читати це повідомлення мовою", "Усі повідомлення",
            "Повідомлення, які координатори вилучили з цього сайту після публікації, від найновіших, із зазначеною причиною. Зміст повідомлень тут не повторюється.",
            "Нічого не вилучено.", "Вилучені повідомлення", "Дата", "Відправник", "Причина"),
    }.ToDictionary(t => t.Language);

    /// <summary>The site's words for a reader of <paramref name="language"/>: its own, or English.</summary>
    public static SiteText For(string? language) =>
        Texts.GetValueOrDefault(LanguageTags.Primary(language ?? "en")) ?? Texts["en"];

    public string Direction => LanguageTags.IsRightToLeft(Language) ? "rtl" : "ltr";
}
