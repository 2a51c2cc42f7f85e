using Relay.Storage;

namespace Relay.Tests.Support;

/// <summary>Unions and messages written straight into a test database.</summary>
public static class Fixtures
{
    public static async Task<Union> AddUnionAsync(this RelayDb db, string name, params string[] languages)
    {
        var union = new Union
        {
            Id = Guid.NewGuid(),
            Name = name,
            Country = "CO",
            Languages = [.. languages],
            Email = $"u{Guid.NewGuid():N}@unions.example.org",
            ApiKeyHash = ApiKeys.Hash(ApiKeys.Generate()),
            CreatedAt = DateTime.UtcNow,
        };
        db.Unions.Add(union);
        await db.SaveChangesAsync();
        return union;
    }

    public static async Task<SolidarityMessage> AddMessageAsync(this RelayDb db, Union sender, IEnumerable<Union> recipients,
        string status = MessageStatus.Received, string? language = "en", bool publish = false, SeedLetter? letter = null)
    {
        letter ??= Seeds.Cerrejon;
        var now = DateTime.UtcNow;
        var message = new SolidarityMessage
        {
            Id = Guid.NewGuid(),
            SenderUnionId = sender.Id,
            Title = letter.Title,
            Body = letter.Body,
            Language = language,
            Publish = publish,
            Status = status,
            ReceivedAt = now,
            UpdatedAt = now,
            Recipients = recipients.Select(r => new MessageRecipient { UnionId = r.Id }).ToList(),
        };
        db.Messages.Add(message);
        await db.SaveChangesAsync();
        return message;
    }

    public static async Task AddTranslationAsync(this RelayDb db, SolidarityMessage message, string language, string title, string body)
    {
        db.Translations.Add(new Relay.Storage.Translation
        {
            MessageId = message.Id, Language = language, Title = title, Body = body,
            Origin = TranslationOrigin.Machine, Provider = "apertium", At = DateTime.UtcNow,
        });
        await db.SaveChangesAsync();
    }
}
