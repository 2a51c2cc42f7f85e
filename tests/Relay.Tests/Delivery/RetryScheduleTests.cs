using Relay.Delivery;

namespace Relay.Tests.Delivery;

public class RetryScheduleTests
{
    private static readonly DeliveryOptions Defaults = new();
    private static readonly DateTime First = new(2026, 11, 23, 6, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(6, 32)]
    [InlineData(7, 60)]
    [InlineData(40, 60)]
    public void The_delay_doubles_from_a_minute_up_to_an_hour(int attempts, int minutes)
    {
        var now = First.AddHours(1);
        Assert.Equal(now.AddMinutes(minutes), RetrySchedule.NextAttempt(attempts, First, now, Defaults));
    }

    [Fact]
    public void After_three_days_the_delivery_is_given_up() =>
        Assert.Null(RetrySchedule.NextAttempt(60, First, First.AddDays(3), Defaults));

    [Fact]
    public void The_last_attempt_falls_on_the_deadline_rather_than_after_it() =>
        Assert.Equal(First.AddDays(3), RetrySchedule.NextAttempt(60, First, First.AddDays(3).AddMinutes(-10), Defaults));
}
