using Relay.ServiceDefaults;

namespace Relay.Intake;

/// <summary>A submission. Recipients are union ids of the directory: there is no way to name an email address.</summary>
public sealed record SubmitMessageRequest(
    List<string>? Recipients, string? Title, string? Body, string? Language, string? Author, bool? Publish)
{
    public Validation Validate(IntakeOptions options)
    {
        var v = new Validation();
        if (Recipients is null || Recipients.Count == 0)
            v.Add("recipients", "A message needs at least one recipient union (ids from GET /api/unions).");
        else
        {
            foreach (var recipient in Recipients.Where(r => !Guid.TryParse(r, out _)))
                v.Add("recipients", $"'{recipient}' is not a union id.");
            v.Check(Recipients.Count <= options.MaxRecipients, "recipients", $"A message may go to at most {options.MaxRecipients} unions.");
        }

        if (string.IsNullOrWhiteSpace(Title))
            v.Add("title", "The title is empty.");
        else
            v.Check(Title.Length <= options.MaxTitleCharacters, "title", $"The title has {Title.Length} characters; at most {options.MaxTitleCharacters} are allowed.")
             .Check(!Validation.HasLineBreak(Title), "title", "The title may not contain line breaks (CR or LF).");

        if (string.IsNullOrWhiteSpace(Body))
            v.Add("body", "The body is empty.");
        else
            v.Check(Body.Length <= options.MaxBodyCharacters, "body", $"The body has {Body.Length} characters; at most {options.MaxBodyCharacters} are allowed.");

        if (Language is not null)
            v.Check(LanguageTags.IsValid(Language), "language", $"'{Language}' is not a BCP-47 language code (such as \"en\" or \"pt-BR\"); leave it out to have it detected.");

        if (Author is not null)
            v.Check(Author.Length <= 200, "author", "The author is longer than 200 characters.")
             .Check(!Validation.HasLineBreak(Author), "author", "The author may not contain line breaks (CR or LF).");
        return v;
    }

    public IReadOnlyList<Guid> RecipientIds => Recipients!.Select(Guid.Parse).Distinct().ToList();
}

public sealed record MessageAccepted(Guid Id, string Status);

public sealed record TranslationRequest(string? Title, string? Body);

public sealed record RejectRequest(string? Reason);
