using Relay.Intake.Auth;

namespace Relay.Tests.Intake;

/// <summary>The intake's one-second memory of key holders and directory unions: what it keeps, for how long, and what it forgets at once.</summary>
public class RecentLookupsTests
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly Clock _clock = new();
    private readonly RecentLookups _recent;

    public RecentLookupsTests() => _recent = new RecentLookups(_clock);

    [Fact]
    public void A_key_holder_is_known_for_a_second_and_then_looked_up_again()
    {
        var holder = new KeyHolder(Guid.NewGuid(), "Sindicato Minero");
        Assert.Null(_recent.HolderOf("hash"));

        _recent.RememberHolder("hash", holder);
        _clock.Now += RecentLookups.FreshFor - TimeSpan.FromMilliseconds(1);
        Assert.Equal(holder, _recent.HolderOf("hash"));
        Assert.Null(_recent.HolderOf("another hash"));

        _clock.Now += TimeSpan.FromMilliseconds(1);
        Assert.Null(_recent.HolderOf("hash"));
    }

    [Fact]
    public void A_directory_union_is_known_for_a_second_and_the_others_are_always_asked_about()
    {
        Guid known = Guid.NewGuid(), other = Guid.NewGuid();
        _recent.RememberInDirectory([known]);

        Assert.Equal([other], _recent.NotKnown([known, other]));
        _clock.Now += RecentLookups.FreshFor;
        Assert.Equal([known, other], _recent.NotKnown([known, other]));
    }

    [Fact]
    public void A_union_whose_key_changed_or_that_was_erased_is_forgotten_at_once_with_its_keys_and_nothing_else()
    {
        Guid union = Guid.NewGuid(), other = Guid.NewGuid();
        _recent.RememberHolder("old key", new KeyHolder(union, "CUT"));
        _recent.RememberHolder("other key", new KeyHolder(other, "CGT"));
        _recent.RememberHolder("coordinator key", new KeyHolder(null, "coordinator"));
        _recent.RememberInDirectory([union, other]);

        _recent.ForgetUnion(union);

        Assert.Null(_recent.HolderOf("old key"));
        Assert.Equal([union], _recent.NotKnown([union, other]));
        Assert.NotNull(_recent.HolderOf("other key"));
        Assert.NotNull(_recent.HolderOf("coordinator key"));
    }

    [Fact]
    public void A_revoked_coordinator_key_makes_every_coordinator_key_be_looked_up_again_but_no_unions()
    {
        _recent.RememberHolder("coordinator A", new KeyHolder(null, "coordinator"));
        _recent.RememberHolder("coordinator B", new KeyHolder(null, "coordinator"));
        _recent.RememberHolder("union key", new KeyHolder(Guid.NewGuid(), "CUT"));

        _recent.ForgetCoordinators();

        Assert.Null(_recent.HolderOf("coordinator A"));
        Assert.Null(_recent.HolderOf("coordinator B"));
        Assert.NotNull(_recent.HolderOf("union key"));
    }

    [Fact]
    public void Many_keys_tried_at_once_do_not_grow_the_memory_without_bound()
    {
        for (var i = 0; i < 25_000; i++)
            _recent.RememberHolder($"key {i}", new KeyHolder(Guid.NewGuid(), "U"));

        var kept = Enumerable.Range(0, 25_000).Count(i => _recent.HolderOf($"key {i}") is not null);
        Assert.InRange(kept, 1, 10_000);
        Assert.NotNull(_recent.HolderOf("key 24999")); // the latest is always kept
    }
}
