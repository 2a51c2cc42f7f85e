namespace Relay.Translation.Providers;

/// <summary>A direction a provider translates in, as BCP-47 primary language subtags ("en", "es").</summary>
public readonly record struct LanguagePair(string From, string To)
{
    public override string ToString() => $"{From}→{To}";
}

/// <summary>
/// A machine translation provider. Texts are plain text and come back as untrusted plain text.
/// Implementations retry transient failures themselves (with backoff, honouring Retry-After) and
/// throw <see cref="TranslationFailedException"/> when they give up; the translation stage then
/// tries the next route, and finally waits for a human.
/// </summary>
public interface ITranslationProvider
{
    /// <summary>Recorded with each translation and used in configuration ("apertium", "azure", "libretranslate", "deepl").</summary>
    string Name { get; }

    /// <summary>The directions this provider translates in directly; refreshed periodically.</summary>
    Task<IReadOnlySet<LanguagePair>> PairsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Translates every text from one language into every target language; the answer holds, per
    /// target, the translations in the order of <paramref name="texts"/>. A provider that can
    /// serve several targets in one request (Azure) does so.
    /// </summary>
    /// <exception cref="TranslationFailedException">The provider failed, refused, or returned less than it was given.</exception>
    Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> TranslateAsync(
        IReadOnlyList<string> texts, string from, IReadOnlyList<string> targets, CancellationToken cancellationToken);
}

/// <summary>A provider could not translate; <see cref="Transient"/> is false when retrying cannot help (bad key, unsupported pair).</summary>
public class TranslationFailedException(string message, bool transient = true, Exception? inner = null) : Exception(message, inner)
{
    public bool Transient { get; } = transient;
}
