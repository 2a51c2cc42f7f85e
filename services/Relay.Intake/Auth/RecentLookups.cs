using System.Collections.Concurrent;

namespace Relay.Intake.Auth;

/// <summary>Whom a key belongs to: a union (its id and name) or, without one, a coordinator.</summary>
public sealed record KeyHolder(Guid? UnionId, string Name);

/// <summary>
/// The answers to the two questions every submission asks, for a second: whose key this is, and
/// whether a recipient is a union in the directory. Under load the same few keys and unions come
/// again hundreds of times a second, and each question was a read of its own (measured in the intake
/// benchmark's profile: on SQLite the two reads took about half of the intake's CPU, more than the
/// write). Only what was found is kept: an unknown key or union is always looked up.
/// <para>
/// A change made through this intake (a key rotated or revoked, a union erased, a coordinator key
/// revoked) is forgotten at once; one made through another intake process sharing the database
/// reaches this one within <see cref="FreshFor"/>, as if the request had come that much earlier.
/// </para>
/// </summary>
public sealed class RecentLookups(TimeProvider clock)
{
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);

    /// <summary>More entries than this and everything is forgotten (many keys tried at once keep the table small).</summary>
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (KeyHolder Holder, DateTimeOffset Until)> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _unions = new();

    public KeyHolder? HolderOf(string keyHash) =>
        _keys.TryGetValue(keyHash, out var entry) && entry.Until > clock.GetUtcNow() ? entry.Holder : null;

    public void RememberHolder(string keyHash, KeyHolder holder) => Remember(_keys, keyHash, (holder, clock.GetUtcNow() + FreshFor));

    /// <summary>Of <paramref name="unions"/>, those not known to be in the directory a moment ago.</summary>
    public List<Guid> NotKnown(IEnumerable<Guid> unions)
    {
        var now = clock.GetUtcNow();
        return unions.Where(id => !(_unions.TryGetValue(id, out var until) && until > now)).ToList();
    }

    public void RememberInDirectory(IEnumerable<Guid> unions)
    {
        var until = clock.GetUtcNow() + FreshFor;
        foreach (var id in unions)
            Remember(_unions, id, until);
    }

    /// <summary>A union's key changed or the union was erased.</summary>
    public void ForgetUnion(Guid union)
    {
        _unions.TryRemove(union, out _);
        foreach (var entry in _keys.Where(k => k.Value.Holder.UnionId == union))
            _keys.TryRemove(entry.Key, out _);
    }

    /// <summary>A coordinator key was revoked (its hash is not at hand): every coordinator key is looked up again.</summary>
    public void ForgetCoordinators()
    {
        foreach (var entry in _keys.Where(k => k.Value.Holder.UnionId is null))
            _keys.TryRemove(entry.Key, out _);
    }

    private static void Remember<TKey, TValue>(ConcurrentDictionary<TKey, TValue> table, TKey key, TValue value) where TKey : notnull
    {
        if (table.Count >= MaxEntries)
            table.Clear();
        table[key] = value;
    }
}
