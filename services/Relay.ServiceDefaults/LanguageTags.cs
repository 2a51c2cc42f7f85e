using System.Collections.Frozen;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Relay.ServiceDefaults;

/// <summary>
/// Languages are BCP-47 tags in every API and contract ("en", "es", "pt-BR"). Apertium speaks
/// ISO 639-3 ("eng", "spa"); the mapping comes from the platform's culture data, not a hand-kept table.
/// </summary>
public static partial class LanguageTags
{
    private static readonly FrozenDictionary<string, string> FromAlpha3 = CultureInfo
        .GetCultures(CultureTypes.NeutralCultures)
        .Where(c => c.TwoLetterISOLanguageName.Length == 2 && c.ThreeLetterISOLanguageName.Length == 3)
        .GroupBy(c => c.ThreeLetterISOLanguageName)
        .ToFrozenDictionary(g => g.Key, g => g.First().TwoLetterISOLanguageName);

    // language (2–3 letters) then optional script, region and variants: the shapes Relay accepts.
    [GeneratedRegex("^[a-zA-Z]{2,3}(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|[0-9]{3}))?(-([a-zA-Z0-9]{5,8}|[0-9][a-zA-Z0-9]{3}))*$")]
    private static partial Regex Bcp47();

    public static bool IsValid(string? tag) => !string.IsNullOrEmpty(tag) && tag.Length <= 35 && Bcp47().IsMatch(tag);

    /// <summary>Canonical case: "pt-br" → "pt-BR", "EN" → "en".</summary>
    public static string Normalize(string tag)
    {
        var parts = tag.Split('-');
        parts[0] = parts[0].ToLowerInvariant();
        for (var i = 1; i < parts.Length; i++)
            parts[i] = parts[i].Length switch
            {
                2 => parts[i].ToUpperInvariant(),
                4 => char.ToUpperInvariant(parts[i][0]) + parts[i][1..].ToLowerInvariant(),
                _ => parts[i].ToLowerInvariant(),
            };
        return string.Join('-', parts);
    }

    /// <summary>The primary language subtag: "pt-BR" → "pt".</summary>
    public static string Primary(string tag) => tag.Split('-')[0].ToLowerInvariant();

    public static string? ToAlpha3(string tag)
    {
        try
        {
            var name = CultureInfo.GetCultureInfo(Primary(tag)).ThreeLetterISOLanguageName;
            return name.Length == 3 ? name : null;
        }
        catch (CultureNotFoundException) { return null; }
    }

    public static string? FromIso6393(string code) => FromAlpha3.GetValueOrDefault(code.ToLowerInvariant());

    /// <summary>The language's name in itself ("español", "українська"), for language menus.</summary>
    public static string NativeName(string tag)
    {
        try
        {
            var name = CultureInfo.GetCultureInfo(tag).NativeName;
            return string.IsNullOrEmpty(name) ? tag : char.ToUpper(name[0], CultureInfo.GetCultureInfo(tag)) + name[1..];
        }
        catch (CultureNotFoundException) { return tag; }
    }

    /// <summary>The language's name in English, for lines such as "Original (Spanish)".</summary>
    public static string EnglishName(string tag)
    {
        try { return CultureInfo.GetCultureInfo(tag).EnglishName; }
        catch (CultureNotFoundException) { return tag; }
    }

    public static bool IsRightToLeft(string tag)
    {
        try { return CultureInfo.GetCultureInfo(tag).TextInfo.IsRightToLeft; }
        catch (CultureNotFoundException) { return false; }
    }
}
