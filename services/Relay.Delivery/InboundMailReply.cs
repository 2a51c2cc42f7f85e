using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Relay.Contracts;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Delivery;

/// <summary>
/// The answer to an email that Relay's intake mailbox refused: what was refused, and how to write
/// instead, in plain and kind words. In the union's language when it came from a union's registered
/// address and Relay has its words (en, es, fr, pt, ca); otherwise in English, since the language of
/// a mail that is not kept is never detected.
/// </summary>
public static class InboundMailReply
{
    private sealed record Words(string Code, string NoSubject, string Thanks, Func<string?, string> Attachments, string Empty,
        Func<string?, string> NoRecipient, Func<string?, string> Limited, Func<string?, string> Invalid, string Footer);

    private static readonly Dictionary<string, Words> Texts = new()
    {
        ["en"] = new("en", "Your email to Relay", "Thank you for writing to Relay.",
            f => $"We did not pass your email on, because it came with attachments ({f}). Relay carries letters as text only, so that every union can read them in its own language and nothing else travels with them.\n\nPlease send your letter again with its text in the body of the email, and without attachments, images or files. Nothing of your first email was kept.",
            "We did not find a letter in your email: only quoted mail, a signature, or nothing at all.\n\nPlease write your letter in the body of the email and send it again. Nothing of your first email was kept.",
            f => $"We could not tell which unions your letter is for ({f}), so we did not pass it on.\n\nEach union of Relay's directory has its own address: the address you wrote to, with a plus sign and the union's name after its first part, in lower case, with dashes between the words and without accents. For example, if you wrote to relay@example.org, a letter for Sintracarbón goes to relay+sintracarbon@example.org. Please send your letter again to the address of each union it is for. Nothing of your first email was kept.",
            f => $"Relay could not take your letter now: {f}\n\nPlease send it again later. Nothing of this email was kept.",
            f => $"Your letter could not be accepted as it is: {f}\n\nPlease correct it and send it again. Nothing of your first email was kept.",
            "Relay. Reply to this email to reach the coordinators."),
        ["es"] = new("es", "Su correo a Relay", "Gracias por escribir a Relay.",
            f => $"No hemos reenviado su correo porque llevaba archivos adjuntos ({f}). Relay solo transmite cartas en texto, para que cada sindicato pueda leerlas en su idioma y nada más viaje con ellas.\n\nEnvíe de nuevo su carta con el texto en el cuerpo del correo, sin adjuntos, imágenes ni archivos. No se ha guardado nada de su primer correo.",
            "No hemos encontrado ninguna carta en su correo: solo texto citado, una firma o nada.\n\nEscriba su carta en el cuerpo del correo y envíela de nuevo. No se ha guardado nada de su primer correo.",
            f => $"No hemos podido saber a qué sindicatos va dirigida su carta ({f}), así que no la hemos reenviado.\n\nCada sindicato del directorio de Relay tiene su propia dirección: la dirección a la que escribió, con un signo más y el nombre del sindicato tras su primera parte, en minúsculas, con guiones entre las palabras y sin acentos. Por ejemplo, si escribió a relay@example.org, una carta para Sintracarbón va a relay+sintracarbon@example.org. Envíe de nuevo su carta a la dirección de cada sindicato al que va dirigida. No se ha guardado nada de su primer correo.",
            f => $"Relay no ha podido aceptar su carta ahora: {f}\n\nEnvíela de nuevo más tarde. No se ha guardado nada de este correo.",
            f => $"Su carta no se ha podido aceptar tal como está: {f}\n\nCorríjala y envíela de nuevo. No se ha guardado nada de su primer correo.",
            "Relay. Responda a este correo para escribir a la coordinación."),
        ["fr"] = new("fr", "Votre courriel à Relay", "Merci d'avoir écrit à Relay.",
            f => $"Nous n'avons pas transmis votre courriel, car il contenait des pièces jointes ({f}). Relay ne transmet que des lettres en texte, pour que chaque syndicat puisse les lire dans sa langue et que rien d'autre ne voyage avec elles.\n\nRenvoyez votre lettre avec son texte dans le corps du courriel, sans pièces jointes, images ni fichiers. Rien de votre premier courriel n'a été conservé.",
            "Nous n'avons pas trouvé de lettre dans votre courriel : seulement un message cité, une signature, ou rien.\n\nÉcrivez votre lettre dans le corps du courriel et renvoyez-la. Rien de votre premier courriel n'a été conservé.",
            f => $"Nous n'avons pas pu savoir à quels syndicats votre lettre est destinée ({f}) ; nous ne l'avons donc pas transmise.\n\nChaque syndicat de l'annuaire de Relay a sa propre adresse : l'adresse à laquelle vous avez écrit, avec un signe plus et le nom du syndicat après sa première partie, en minuscules, avec des tirets entre les mots et sans accents. Par exemple, si vous avez écrit à relay@example.org, une lettre pour Sintracarbón va à relay+sintracarbon@example.org. Renvoyez votre lettre à l'adresse de chaque syndicat auquel elle est destinée. Rien de votre premier courriel n'a été conservé.",
            f => $"Relay n'a pas pu accepter votre lettre pour l'instant : {f}\n\nRenvoyez-la plus tard. Rien de ce courriel n'a été conservé.",
            f => $"Votre lettre n'a pas pu être acceptée telle quelle : {f}\n\nCorrigez-la et renvoyez-la. Rien de votre premier courriel n'a été conservé.",
            "Relay. Répondez à ce courriel pour écrire à la coordination."),
        ["pt"] = new("pt", "O seu e-mail para o Relay", "Obrigado por escrever ao Relay.",
            f => $"Não reencaminhámos o seu e-mail porque trazia anexos ({f}). O Relay só transmite cartas em texto, para que cada sindicato as possa ler na sua língua e nada mais viaje com elas.\n\nEnvie de novo a sua carta com o texto no corpo do e-mail, sem anexos, imagens ou ficheiros. Nada do seu primeiro e-mail foi guardado.",
            "Não encontrámos nenhuma carta no seu e-mail: apenas texto citado, uma assinatura ou nada.\n\nEscreva a sua carta no corpo do e-mail e envie-a de novo. Nada do seu primeiro e-mail foi guardado.",
            f => $"Não conseguimos saber a que sindicatos se destina a sua carta ({f}), por isso não a reencaminhámos.\n\nCada sindicato do diretório do Relay tem o seu próprio endereço: o endereço para onde escreveu, com um sinal de mais e o nome do sindicato depois da primeira parte, em minúsculas, com hífenes entre as palavras e sem acentos. Por exemplo, se escreveu para relay@example.org, uma carta para o Sintracarbón vai para relay+sintracarbon@example.org. Envie de novo a sua carta para o endereço de cada sindicato a que se destina. Nada do seu primeiro e-mail foi guardado.",
            f => $"O Relay não pôde aceitar a sua carta agora: {f}\n\nEnvie-a de novo mais tarde. Nada deste e-mail foi guardado.",
            f => $"A sua carta não pôde ser aceite tal como está: {f}\n\nCorrija-a e envie-a de novo. Nada do seu primeiro e-mail foi guardado.",
            "Relay. Responda a este e-mail para escrever à coordenação."),
        ["ca"] = new("ca", "El vostre correu a Relay", "Gràcies per escriure a Relay.",
            f => $"No hem reenviat el vostre correu perquè duia fitxers adjunts ({f}). Relay només transmet cartes en text, perquè cada sindicat les pugui llegir en la seva llengua i res més no hi viatgi.\n\nEnvieu de nou la carta amb el text al cos del correu, sense adjunts, imatges ni fitxers. No s'ha desat res del vostre primer correu.",
            "No hem trobat cap carta al vostre correu: només text citat, una signatura o res.\n\nEscriviu la carta al cos del correu i envieu-la de nou. No s'ha desat res del vostre primer correu.",
            f => $"No hem pogut saber a quins sindicats va adreçada la vostra carta ({f}), així que no l'hem reenviada.\n\nCada sindicat del directori de Relay té la seva adreça: l'adreça a la qual vau escriure, amb un signe més i el nom del sindicat després de la primera part, en minúscules, amb guions entre les paraules i sense accents. Per exemple, si vau escriure a relay@example.org, una carta per a Sintracarbón va a relay+sintracarbon@example.org. Envieu de nou la carta a l'adreça de cada sindicat a qui va adreçada. No s'ha desat res del vostre primer correu.",
            f => $"Relay no ha pogut acceptar la vostra carta ara: {f}\n\nEnvieu-la de nou més tard. No s'ha desat res d'aquest correu.",
            f => $"La vostra carta no s'ha pogut acceptar tal com és: {f}\n\nCorregiu-la i envieu-la de nou. No s'ha desat res del vostre primer correu.",
            "Relay. Responeu a aquest correu per escriure a la coordinació."),
    };

    /// <param name="language">The language of the union that wrote from its registered address; null for anyone else (English).</param>
    public static MimeMessage Compose(InboundMail mail, string reason, MailOptions options, string? language = null)
    {
        var words = (language is null ? null : Texts.GetValueOrDefault(LanguageTags.Primary(language))) ?? Texts["en"];
        // The detail is "reason: what was found"; the reason is said in words below.
        var found = mail.Detail is { } d && d.IndexOf(": ", StringComparison.Ordinal) is var i and >= 0 ? d[(i + 2)..] : mail.Detail;
        var text = words.Thanks + " " + reason switch
        {
            "attachments" => words.Attachments(found),
            "empty" => words.Empty,
            "no-recipient" => words.NoRecipient(found),
            "limited" => words.Limited(found),
            _ => words.Invalid(found),
        };
        var email = new MimeMessage
        {
            MessageId = $"inbound.{mail.Key[..32]}@{options.MessageIdDomain}",
            Subject = string.IsNullOrWhiteSpace(mail.Subject) ? words.NoSubject
                : mail.Subject.StartsWith("Re:", StringComparison.OrdinalIgnoreCase) ? mail.Subject : $"Re: {mail.Subject}",
            Date = DateTimeOffset.UtcNow,
            Body = new TextPart("plain") { Text = text + "\n\n-- \n" + words.Footer + "\n" },
        };
        email.AddressFromRelay(MailboxAddress.Parse(mail.From), words.Code, options);
        // RFC 3834: an automatic answer, which well-behaved auto-responders do not answer in turn.
        email.Headers.Add(HeaderId.AutoSubmitted, "auto-replied");
        return email;
    }
}

/// <summary>Answers a refused intake email once: the claim is the InboundMail's RepliedAt.</summary>
public sealed class InboundMailReplyConsumer(RelayDb db, OnceOnlyMail mail, IOptions<MailOptions> options, ILogger<InboundMailReplyConsumer> logger)
    : IConsumer<InboundMailRefused>
{
    public async Task Consume(ConsumeContext<InboundMailRefused> context)
    {
        var key = context.Message.InboundMailKey;
        var inbound = await db.InboundMails.AsNoTracking().FirstOrDefaultAsync(m => m.Key == key, context.CancellationToken)
            ?? throw new InvalidOperationException($"Inbound mail {key} is not in the database.");
        if (inbound.RepliedAt is not null)
            return;

        if (!MailboxAddress.TryParse(inbound.From, out var from) || !Notices.SurvivesEncoding(from))
        {
            // An address Relay cannot write into a header as itself (see Notices.SurvivesEncoding) gets no answer.
            logger.LogWarning("Refused intake email {Key} not answered: its sender's address cannot be written safely", key);
            return;
        }
        // A union writing from its registered address is answered in its language.
        var address = from.Address.ToLowerInvariant();
        var languages = await db.Unions.AsNoTracking().Where(u => u.Email.ToLower() == address).Select(u => u.Languages).FirstOrDefaultAsync(context.CancellationToken);
        var language = languages is { Count: > 0 } ? languages[0] : null;

        var now = DateTime.UtcNow;
        var sent = await mail.SendAsync(
            ct => db.InboundMails.Where(m => m.Key == key && m.RepliedAt == null).ExecuteUpdateAsync(s => s.SetProperty(m => m.RepliedAt, now), ct),
            () => db.InboundMails.Where(m => m.Key == key).ExecuteUpdateAsync(s => s.SetProperty(m => m.RepliedAt, (DateTime?)null)),
            () => InboundMailReply.Compose(inbound, context.Message.Reason, options.Value, language), context.CancellationToken);
        if (sent)
            logger.LogInformation("Refused intake email from {From} answered ({Reason})", inbound.From, context.Message.Reason);
    }
}
