using Relay.Delivery;
using Relay.Storage;

namespace Relay.Tests.Delivery;

public class SenderSummaryTests
{
    private static Union Union(string name, string language) => new()
    {
        Id = Guid.NewGuid(), Name = name, Country = "CO", Languages = [language], Email = $"{Guid.NewGuid():N}@unions.example.org", ApiKeyHash = "",
    };

    [Fact]
    public void A_spanish_speaking_sender_reads_its_summary_in_spanish()
    {
        var (brazil, ukraine) = (Union("CUT Brasil", "pt"), Union("Zakhyst Pratsi", "uk"));
        var message = new SolidarityMessage
        {
            Id = Guid.NewGuid(), Title = "Solidaridad con los mineros", Body = "…", Sender = Union("Sintracarbón", "es"),
            Recipients = [new() { UnionId = brazil.Id, Union = brazil }, new() { UnionId = ukraine.Id, Union = ukraine }],
            Deliveries =
            [
                new() { RecipientUnionId = brazil.Id, Address = brazil.Email, Language = "pt", Status = DeliveryStatus.Sent, EmailMessageId = "a", At = new DateTime(2026, 11, 23, 9, 30, 0) },
                new() { RecipientUnionId = ukraine.Id, Address = ukraine.Email, Language = "uk", Status = DeliveryStatus.Suppressed, Detail = "opted out on 2026-11-20", EmailMessageId = "b" },
            ],
        };

        var email = SenderSummary.Compose(message, new MailOptions());

        Assert.Equal("Entregado a 1 de 2: Solidaridad con los mineros", email.Subject);
        Assert.Equal("es", email.Headers["Content-Language"]);
        Assert.Contains("Su mensaje «Solidaridad con los mineros» llegó a 1 de 2 sindicatos.", email.TextBody);
        Assert.Contains("- CUT Brasil, en português, 2026-11-23 09:30 UTC", email.TextBody);
        Assert.Contains("- Zakhyst Pratsi: ya no recibe mensajes (opted out on 2026-11-20)", email.TextBody);
    }
}
