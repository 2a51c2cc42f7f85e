using Relay.Intake.PersonalData;
using Relay.Storage;

namespace Relay.Tests.PersonalData;

/// <summary>What is due for anonymisation, decided without a database.</summary>
public class PersonalDataRulesTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan TwoYears = TimeSpan.FromDays(730);
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    private static SolidarityMessage Message(string status, TimeSpan age, DateTime? summarySentAt = null, DateTime? updatedAt = null, DateTime? anonymisedAt = null) => new()
    {
        Id = Guid.NewGuid(), Title = "t", Body = "b", Status = status, ReceivedAt = Now - age,
        UpdatedAt = updatedAt ?? Now - age, SummarySentAt = summarySentAt, AnonymisedAt = anonymisedAt,
    };

    [Theory]
    [InlineData(MessageStatus.Delivered, true)]
    [InlineData(MessageStatus.Failed, true)]
    [InlineData(MessageStatus.Rejected, true)]
    [InlineData(MessageStatus.Held, false)]
    [InlineData(MessageStatus.Approved, false)]
    [InlineData(MessageStatus.Received, false)]
    [InlineData(MessageStatus.AwaitingTranslation, false)]
    [InlineData(MessageStatus.Translated, false)]
    [InlineData(MessageStatus.AwaitingRecipients, false)]
    public void An_old_message_is_due_only_once_nothing_more_happens_to_it(string status, bool due)
    {
        var old = Message(status, TwoYears + TimeSpan.FromDays(1), summarySentAt: Now - TwoYears);
        Assert.Equal(due, PersonalDataRules.IsDue(old, Now, TwoYears, Week));
    }

    [Fact]
    public void A_message_younger_than_the_period_or_anonymised_already_is_not_due()
    {
        Assert.False(PersonalDataRules.IsDue(Message(MessageStatus.Delivered, TwoYears - TimeSpan.FromMinutes(1), Now), Now, TwoYears, Week));
        Assert.True(PersonalDataRules.IsDue(Message(MessageStatus.Delivered, TwoYears + TimeSpan.FromMinutes(1), Now), Now, TwoYears, Week));
        Assert.False(PersonalDataRules.IsDue(Message(MessageStatus.Delivered, TwoYears * 2, Now, anonymisedAt: Now - TwoYears), Now, TwoYears, Week));
    }

    [Fact]
    public void An_unconfirmed_message_is_settled_once_its_link_expired()
    {
        Assert.False(PersonalDataRules.IsSettled(Message(MessageStatus.AwaitingConfirmation, TimeSpan.FromDays(6)), Now, Week));
        Assert.True(PersonalDataRules.IsSettled(Message(MessageStatus.AwaitingConfirmation, TimeSpan.FromDays(8)), Now, Week));
    }

    [Fact]
    public void A_final_message_whose_sender_is_still_owed_a_notice_is_in_flight_for_a_while()
    {
        // Delivered a minute ago, the summary not yet sent: the delivery stage still needs the sender's address.
        Assert.False(PersonalDataRules.IsSettled(Message(MessageStatus.Delivered, TimeSpan.FromMinutes(5), updatedAt: Now - TimeSpan.FromMinutes(1)), Now, Week));
        Assert.True(PersonalDataRules.IsSettled(Message(MessageStatus.Delivered, TimeSpan.FromMinutes(5), summarySentAt: Now, updatedAt: Now), Now, Week));
        // A notice that never went (it lies in an error queue) does not hold the data for ever.
        Assert.True(PersonalDataRules.IsSettled(Message(MessageStatus.Rejected, TimeSpan.FromDays(1)), Now, Week));
    }

    [Fact]
    public void Addresses_inside_smtp_replies_are_removed_and_the_rest_stays()
    {
        Assert.Equal("550 5.1.1 <[address removed]>: Recipient address rejected: User unknown",
            PersonalDataRules.RedactAddresses("550 5.1.1 <ana.perez@sindicato.example.org>: Recipient address rejected: User unknown"));
        Assert.Equal("250 2.0.0 Ok: queued as 4F2C1", PersonalDataRules.RedactAddresses("250 2.0.0 Ok: queued as 4F2C1"));
        Assert.Equal("to [address removed], [address removed]", PersonalDataRules.RedactAddresses("to a@b.org, x.y+z@c.d.example"));
        Assert.Null(PersonalDataRules.RedactAddresses(null));
    }

    [Fact]
    public void A_placeholder_address_is_unique_stable_and_no_address()
    {
        var id = Guid.NewGuid();
        Assert.Equal(PersonalDataRules.PlaceholderAddress(id), PersonalDataRules.PlaceholderAddress(id));
        Assert.NotEqual(PersonalDataRules.PlaceholderAddress(id), PersonalDataRules.PlaceholderAddress(Guid.NewGuid()));
        Assert.DoesNotContain("@", PersonalDataRules.PlaceholderAddress(id));
    }
}
