using System.Text;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Relay.Contracts;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Delivery;

/// <summary>The email a sending union gets when its message is rejected: that it was not sent, and why.</summary>
public static class RejectionNotice
{
    private sealed record Words(string Code, string Subject, Func<string, string> NotSent, string Why, string ByRules, string Footer);

    private static readonly Dictionary<string, Words> Texts = new()
    {
        ["en"] = new("en", "Not sent", t => $"Your message \"{t}\" was not sent to the unions it was addressed to, and it is not published.",
            "Why:", "Relay's automatic checks decided this; a coordinator can look at it again if you reply.", "Relay. Reply to this email to reach the coordinators."),
        ["es"] = new("es", "No enviado", t => $"Su mensaje «{t}» no se envió a los sindicatos a los que iba dirigido y no se publica.",
            "Motivo:", "Lo decidieron las comprobaciones automáticas de Relay; si responde, la coordinación puede revisarlo.", "Relay. Responda a este correo para escribir a la coordinación."),
        ["fr"] = new("fr", "Non envoyé", t => $"Votre message « {t} » n'a pas été envoyé aux syndicats destinataires et n'est pas publié.",
            "Motif :", "Les contrôles automatiques de Relay l'ont décidé ; la coordination peut le revoir si vous répondez.", "Relay. Répondez à ce courriel pour écrire à la coordination."),
        ["pt"] = new("pt", "Não enviada", t => $"A sua mensagem «{t}» não foi enviada aos sindicatos a que se destinava e não é publicada.",
            "Motivo:", "Foram as verificações automáticas do Relay que o decidiram; a coordenação pode revê-la se responder.", "Relay. Responda a este e-mail para escrever à coordenação."),
        ["ca"] = new("ca", "No enviat", t => $"El vostre missatge «{t}» no s'ha enviat als sindicats destinataris i no es publica.",
            "Motiu:", "Ho han decidit les comprovacions automàtiques de Relay; la coordinació ho pot revisar si responeu.", "Relay. Responeu a aquest correu per escriure a la coordinació."),
    };

    public static MimeMessage Compose(SolidarityMessage message, MessageRejected rejected, MailOptions options)
    {
        var words = Texts.GetValueOrDefault(LanguageTags.Primary(message.SenderLanguage)) ?? Texts["en"];
        var text = new StringBuilder()
            .Append(words.NotSent(message.Title)).Append("\n\n")
            .Append(words.Why).Append('\n');
        // The rules give one "code: reason" per objection, joined by "; "; a coordinator gives one reason.
        foreach (var reason in rejected.RejectedBy == "rules" ? rejected.Reason.Split("; ") : [rejected.Reason])
            text.Append("- ").Append(reason).Append('\n');
        if (rejected.RejectedBy == "rules")
            text.Append('\n').Append(words.ByRules).Append('\n');
        text.Append("\n-- \n").Append(words.Footer).Append('\n');

        var email = new MimeMessage
        {
            MessageId = $"rejected.{message.Id:N}@{options.MessageIdDomain}",
            Subject = $"{words.Subject}: {message.Title}",
            Date = DateTimeOffset.UtcNow,
            Body = new TextPart("plain") { Text = text.ToString() },
        };
        SenderSummary.AddressToSender(email, message, options, words.Code);
        return email;
    }
}

/// <summary>Tells the sender once that its message was rejected, and why.</summary>
public sealed class RejectionNoticeConsumer(RelayDb db, OnceOnlyMail mail, IOptions<MailOptions> options, ILogger<RejectionNoticeConsumer> logger)
    : IConsumer<MessageRejected>
{
    public async Task Consume(ConsumeContext<MessageRejected> context)
    {
        var id = context.Message.MessageId;
        var message = await db.Messages.AsNoTracking().Include(m => m.Sender).Include(m => m.Supporter).FirstOrDefaultAsync(m => m.Id == id, context.CancellationToken)
            ?? throw new InvalidOperationException($"Message {id} is not in the database.");
        if (message.Status != MessageStatus.Rejected || message.SummarySentAt is not null)
            return;

        if (await mail.SendToSenderAsync(db, id, () => RejectionNotice.Compose(message, context.Message, options.Value), context.CancellationToken))
            logger.LogInformation("Sender {Sender} told that message {MessageId} was rejected", message.SenderName, id);
    }
}
