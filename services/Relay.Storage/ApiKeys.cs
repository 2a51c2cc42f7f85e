using System.Security.Cryptography;
using System.Text;

namespace Relay.Storage;

/// <summary>API keys: 256 random bits, shown once, stored as a SHA-256 hash.</summary>
public static class ApiKeys
{
    public static string Generate() =>
        "relay_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // Keys are long random strings, so a plain SHA-256 is enough (no password-style stretching needed).
    public static string Hash(string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
