using System.Text;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Relay.Contracts;
using Relay.ServiceDefaults;
using Relay.Storage;

namespace Relay.Delivery;

/// <summary>The email with a link that signs a union in to the unions' form; only ever sent to the union's registered address.</summary>
public static class SignInLinkEmail
{
    private sealed record Words(string Code, string Subject, Func<string, string> Asked, Func<int, string> Once, string NotYou, string Footer);

    private static readonly Dictionary<string, Words> Texts = new()
    {
        ["en"] = new("en", "Your sign-in link", n => $"Someone asked for a link to write on Relay as {n}. This link signs you in:",
            m => $"It works once, within {m} minutes.", "If you did not ask for it, ignore this email: no one can sign in without the link.", "Relay, solidarity messages between unions."),
        ["es"] = new("es", "Su enlace de acceso", n => $"Alguien pidió un enlace para escribir en Relay como {n}. Este enlace le da acceso:",
            m => $"Funciona una sola vez, durante {m} minutos.", "Si no lo pidió usted, ignore este correo: nadie puede entrar sin el enlace.", "Relay, mensajes de solidaridad entre sindicatos."),
        ["fr"] = new("fr", "Votre lien de connexion", n => $"Quelqu'un a demandé un lien pour écrire sur Relay au nom de {n}. Ce lien vous connecte :",
            m => $"Il fonctionne une seule fois, pendant {m} minutes.", "Si vous ne l'avez pas demandé, ignorez ce courriel : personne ne peut se connecter sans le lien.", "Relay, messages de solidarité entre syndicats."),
        ["pt"] = new("pt", "A sua ligação de acesso", n => $"Alguém pediu uma ligação para escrever no Relay em nome de {n}. Esta ligação dá-lhe acesso:",
            m => $"Funciona uma só vez, durante {m} minutos.", "Se não a pediu, ignore este e-mail: ninguém entra sem a ligação.", "Relay, mensagens de solidariedade entre sindicatos."),
        ["ca"] = new("ca", "El vostre enllaç d'accés", n => $"Algú ha demanat un enllaç per escriure a Relay en nom de {n}. Aquest enllaç us hi dona accés:",
            m => $"Funciona una sola vegada, durant {m} minuts.", "Si no l'heu demanat, ignoreu aquest correu: ningú no hi pot entrar sense l'enllaç.", "Relay, missatges de solidaritat entre sindicats."),
    };

    public static MimeMessage Compose(Union union, string link, int minutes, DateTime issuedAt, MailOptions options)
    {
        var words = Texts.GetValueOrDefault(LanguageTags.Primary(union.PreferredLanguage)) ?? Texts["en"];
        var text = new StringBuilder()
            .Append(words.Asked(union.Name)).Append("\n\n").Append(link).Append("\n\n")
            .Append(words.Once(minutes)).Append(' ').Append(words.NotYou).Append('\n')
            .Append("\n-- \n").Append(words.Footer).Append('\n');
        var email = new MimeMessage
        {
            MessageId = $"sign-in.{union.Id:N}.{issuedAt.Ticks}@{options.MessageIdDomain}",
            Subject = words.Subject,
            Date = DateTimeOffset.UtcNow,
            Body = new TextPart("plain") { Text = text.ToString() },
        };
        email.Headers.Add("Content-Language", words.Code);
        email.From.Add(new MailboxAddress("Relay", options.FromAddress));
        email.To.Add(new MailboxAddress(union.Name, union.Email));
        return email;
    }
}

/// <summary>
/// Sends each issued sign-in link once: the claim moves the union's SignInLinkSentAt up to the
/// link's issue time, so a redelivered event, or an older link's event arriving late, sends nothing.
/// </summary>
public sealed class SignInLinkRequestedConsumer(RelayDb db, OnceOnlyMail mail, SignInLinks links, IOptions<MailOptions> options, IOptions<LinkOptions> linkOptions,
    ILogger<SignInLinkRequestedConsumer> logger) : IConsumer<SignInLinkRequested>
{
    public async Task Consume(ConsumeContext<SignInLinkRequested> context)
    {
        var (id, issuedAt) = (context.Message.UnionId, context.Message.IssuedAt);
        var union = await db.Unions.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, context.CancellationToken);
        if (union is null || union.SignInLinkSentAt >= issuedAt)
            return;
        if (DateTime.UtcNow - issuedAt > linkOptions.Value.SignInLinkLifetime)
        {
            logger.LogWarning("Sign-in link for {Union} issued at {IssuedAt} expired before it could be sent", union.Name, issuedAt);
            return;
        }

        var previous = union.SignInLinkSentAt;
        var sent = await mail.SendAsync(
            ct => db.Unions.Where(u => u.Id == id && (u.SignInLinkSentAt == null || u.SignInLinkSentAt < issuedAt))
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.SignInLinkSentAt, issuedAt), ct),
            () => db.Unions.Where(u => u.Id == id && u.SignInLinkSentAt == issuedAt).ExecuteUpdateAsync(s => s.SetProperty(u => u.SignInLinkSentAt, previous)),
            () => SignInLinkEmail.Compose(union, links.Url(options.Value.PublicBaseUrl, id, issuedAt), (int)linkOptions.Value.SignInLinkLifetime.TotalMinutes, issuedAt, options.Value),
            context.CancellationToken);
        if (sent)
            logger.LogInformation("Sign-in link sent to {Union}", union.Name);
    }
}
