namespace Relay.Translation;

/// <summary>A machine translation provider.</summary>
public interface ITranslator
{
    /// <summary>Recorded with each translation ("apertium").</summary>
    string Name { get; }

    /// <summary>Whether the provider translates directly from one BCP-47 language to another.</summary>
    Task<bool> SupportsAsync(string from, string to, CancellationToken cancellationToken);

    /// <summary>Translates plain text; the result is untrusted plain text.</summary>
    /// <exception cref="TranslationFailedException">The provider failed or returned less than it was given.</exception>
    Task<string> TranslateAsync(string text, string from, string to, CancellationToken cancellationToken);
}

public class TranslationFailedException(string message, Exception? inner = null) : Exception(message, inner);
