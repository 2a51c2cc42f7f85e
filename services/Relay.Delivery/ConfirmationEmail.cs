using System.Text;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Relay.Contracts;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Delivery;

/// <summary>
/// The email that asks a sender to confirm a message (a supporter, or a union whose email could not
/// be verified): what was written, to whom, and the link that sends it on. It goes to the address
/// that must confirm, never anywhere else.
/// </summary>
public static class ConfirmationEmail
{
    private sealed record Words(string Code, string Subject, Func<string, string> Sent, string To, string Confirm, Func<int, string> Window, string NotYou, string Footer);

    private static readonly Dictionary<string, Words> Texts = new()
    {
        ["en"] = new("en", "Please confirm your message", t => $"A message was written through Relay with this email address: \"{t}\".",
            "It is addressed to:", "It goes on only once you confirm it. Open this link and press \"Confirm and send\":",
            d => $"The link works for {d} days.", "If you did not write it, ignore this email: nothing will be sent.", "Relay, solidarity messages between unions."),
        ["es"] = new("es", "Confirme su mensaje", t => $"Se escribió un mensaje a través de Relay con esta dirección de correo: «{t}».",
            "Va dirigido a:", "Solo se envía cuando usted lo confirme. Abra este enlace y pulse «Confirmar y enviar»:",
            d => $"El enlace funciona durante {d} días.", "Si no lo escribió usted, ignore este correo: no se enviará nada.", "Relay, mensajes de solidaridad entre sindicatos."),
        ["fr"] = new("fr", "Confirmez votre message", t => $"Un message a été écrit sur Relay avec cette adresse électronique : « {t} ».",
            "Il est adressé à :", "Il ne part que lorsque vous le confirmez. Ouvrez ce lien et appuyez sur « Confirmer et envoyer » :",
            d => $"Le lien fonctionne pendant {d} jours.", "Si vous ne l'avez pas écrit, ignorez ce courriel : rien ne sera envoyé.", "Relay, messages de solidarité entre syndicats."),
        ["pt"] = new("pt", "Confirme a sua mensagem", t => $"Foi escrita uma mensagem no Relay com este endereço de e-mail: «{t}».",
            "Destina-se a:", "Só segue depois de a confirmar. Abra esta ligação e carregue em «Confirmar e enviar»:",
            d => $"A ligação funciona durante {d} dias.", "Se não foi você que a escreveu, ignore este e-mail: nada será enviado.", "Relay, mensagens de solidariedade entre sindicatos."),
        ["ca"] = new("ca", "Confirmeu el vostre missatge", t => $"S'ha escrit un missatge a través de Relay amb aquesta adreça: «{t}».",
            "Va adreçat a:", "Només s'envia quan el confirmeu. Obriu aquest enllaç i premeu «Confirma i envia»:",
            d => $"L'enllaç funciona durant {d} dies.", "Si no l'heu escrit vosaltres, ignoreu aquest correu: no s'enviarà res.", "Relay, missatges de solidaritat entre sindicats."),
    };

    public static MimeMessage Compose(SolidarityMessage message, string link, int windowDays, MailOptions options)
    {
        var words = Texts.GetValueOrDefault(LanguageTags.Primary(message.SenderLanguage)) ?? Texts["en"];
        var text = new StringBuilder()
            .Append(words.Sent(message.Title)).Append("\n\n")
            .Append(words.To).Append('\n');
        foreach (var recipient in message.Recipients.Select(r => r.Union?.Name).OfType<string>().Order())
            text.Append("- ").Append(recipient).Append('\n');
        text.Append('\n').Append(words.Confirm).Append("\n\n").Append(link).Append("\n\n")
            .Append(words.Window(windowDays)).Append(' ').Append(words.NotYou).Append('\n')
            .Append("\n-- \n").Append(words.Footer).Append('\n');

        var email = new MimeMessage
        {
            MessageId = $"confirm.{message.Id:N}@{options.MessageIdDomain}",
            Subject = $"{words.Subject}: {message.Title}",
            Date = DateTimeOffset.UtcNow,
            Body = new TextPart("plain") { Text = text.ToString() },
        };
        email.AddressFromRelay(new MailboxAddress(message.SenderName, message.ConfirmationAddress!), words.Code, options, message.Id);
        return email;
    }
}

/// <summary>Sends the confirmation link once (the claim is the message's ConfirmationSentAt), while the message still waits for it.</summary>
public sealed class ConfirmationRequestedConsumer(RelayDb db, OnceOnlyMail mail, ConfirmationLinks links, IOptions<MailOptions> options, IOptions<LinkOptions> linkOptions,
    ILogger<ConfirmationRequestedConsumer> logger) : IConsumer<ConfirmationRequested>
{
    public async Task Consume(ConsumeContext<ConfirmationRequested> context)
    {
        var id = context.Message.MessageId;
        var message = await db.Messages.AsNoTracking().Include(m => m.Sender).Include(m => m.Supporter)
            .Include(m => m.Recipients).ThenInclude(r => r.Union)
            .FirstOrDefaultAsync(m => m.Id == id, context.CancellationToken)
            ?? throw new InvalidOperationException($"Message {id} is not in the database.");
        if (message.Status != MessageStatus.AwaitingConfirmation || message.ConfirmationSentAt is not null || message.ConfirmationAddress is null)
            return;

        var now = DateTime.UtcNow;
        var sent = await mail.SendAsync(
            ct => db.Messages.Where(m => m.Id == id && m.ConfirmationSentAt == null).ExecuteUpdateAsync(s => s.SetProperty(m => m.ConfirmationSentAt, now), ct),
            () => db.Messages.Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.ConfirmationSentAt, (DateTime?)null)),
            () => ConfirmationEmail.Compose(message, links.Url(options.Value.PublicBaseUrl, id), (int)linkOptions.Value.ConfirmationWindow.TotalDays, options.Value),
            context.CancellationToken);
        if (sent)
            logger.LogInformation("Confirmation link for message {MessageId} sent to its sender", id);
    }
}
