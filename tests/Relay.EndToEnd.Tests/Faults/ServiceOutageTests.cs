using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace Relay.EndToEnd.Tests.Faults;

/// <summary>The services Relay depends on fail under load: the broker, APY, the SMTP server, PostgreSQL.</summary>
public class ServiceOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RabbitMQ_restarted_mid_load_loses_nothing_and_every_consumer_is_back_within_a_minute()
    {
        await FaultLoad.RunAsync(output, new FaultRelay(), "RabbitMQ restarted mid-load", async (relay, load) =>
        {
            await load.SubmitAsync(0, 400);
            await load.WaitForAsync("50 emails sent", p => FaultLoad.CountOf(p, "deliveries", "sent") >= 50);
            await ServiceControl.RunAsync("stop_rabbitmq");
            load.Note("RabbitMQ stopped");
            // Letters keep coming while the broker is away: each is answered 202 only once it is stored with its event.
            await load.SubmitAsync(400);
            await ServiceControl.RunAsync("start_rabbitmq");
            var down = Stopwatch.StartNew();
            load.Note("RabbitMQ started again");
            await relay.WaitAsync("a consumer on every queue", async () => (await relay.ConsumersAsync()).Values.All(n => n >= 1), seconds: 90);
            load.Note($"every worker queue had its consumer again {down.Elapsed.TotalSeconds:0.0} s after the broker was up", measured: true);
            Assert.True(down.Elapsed < TimeSpan.FromSeconds(60), $"consumers came back after {down.Elapsed.TotalSeconds:0} s");
        });
    }

    [Fact]
    public async Task APY_killed_mid_load_then_started_again_leaves_no_message_behind()
    {
        await FaultLoad.RunAsync(output, new FaultRelay(), "APY killed (SIGKILL) mid-load, started 10 s later", async (relay, load) =>
        {
            await load.SubmitAsync();
            await load.WaitForAsync("50 emails sent", p => FaultLoad.CountOf(p, "deliveries", "sent") >= 50);
            await ServiceControl.RunAsync("crash_service apy");
            load.Note("APY killed");
            await Task.Delay(TimeSpan.FromSeconds(10));
            var waiting = FaultLoad.CountOf(await load.PipelineAsync(), "messages", "awaiting_translation");
            load.Note($"{waiting} messages awaiting_translation after APY was down for 10 s", measured: true);
            await ServiceControl.RunAsync("start_apy");
            load.Note("APY started again");
        });
    }

    [Fact]
    public async Task APY_slower_than_the_timeout_for_a_while_leaves_no_message_behind()
    {
        var apy = new Uri(RelayProcesses.Env("RELAY_TEST_APY", "http://127.0.0.1:2737"));
        await using var gate = new TcpGate(apy.Port);
        var relay = new FaultRelay(service => service == "Relay.Translation"
            ? [("Apertium__Url", $"http://127.0.0.1:{gate.Port}"), ("Apertium__RequestTimeout", "00:00:02")]
            : []);
        await FaultLoad.RunAsync(output, relay, "APY slower than the 2 s timeout for 15 s", async (_, load) =>
        {
            await load.SubmitAsync();
            await load.WaitForAsync("50 emails sent", p => FaultLoad.CountOf(p, "deliveries", "sent") >= 50);
            gate.Delay = TimeSpan.FromSeconds(3);
            gate.Cut(); // open connections end; new ones get the slow answers
            gate.Open();
            load.Note("APY's answers held back 3 s, over the 2 s timeout");
            await Task.Delay(TimeSpan.FromSeconds(15));
            load.Note($"{FaultLoad.CountOf(await load.PipelineAsync(), "messages", "awaiting_translation")} messages awaiting_translation when APY was fast again", measured: true);
            gate.Delay = TimeSpan.Zero;
            gate.Cut();
            gate.Open();
        });
    }

    [Fact]
    public async Task SMTP_storm_of_451_a_550_and_connections_dropped_after_DATA_lose_nothing_and_repeat_only_what_is_logged()
    {
        await using var smtp = new SmtpFaultProxy(int.Parse(RelayProcesses.Env("RELAY_TEST_SMTP_PORT", "1025")));
        var relay = new FaultRelay(service => service == "Relay.Delivery" ? [("Smtp__Port", smtp.Port.ToString())] : []);
        string? refused = null;
        var figures = await FaultLoad.RunAsync(output, relay, "SMTP: 451 for 15 s, 550 for one union throughout, 5 connections dropped after DATA", async (_, load) =>
        {
            refused = smtp.RefusedRecipient = load.Recipients.Single(r => r.Language == "pt").Email;
            await load.SubmitAsync();
            await load.WaitForAsync("50 emails sent", p => FaultLoad.CountOf(p, "deliveries", "sent") >= 50);
            smtp.TemporaryFailure = true;
            load.Note("every RCPT answered 451");
            await Task.Delay(TimeSpan.FromSeconds(15));
            smtp.TemporaryFailure = false;
            load.Note($"{smtp.TemporaryFailures} RCPTs answered 451 in the storm, {FaultLoad.CountOf(await load.PipelineAsync(), "deliveries", "deferred")} deliveries deferred at its end", measured: true);
            await load.WaitForAsync("200 emails sent", p => FaultLoad.CountOf(p, "deliveries", "sent") >= 200);
            smtp.DropAfterDataCount = 5;
            load.Note("the next 5 connections dropped after DATA");
        }, mayFail: (_, address) => address == refused);
        Assert.Equal(5, smtp.DroppedAfterData);
        Assert.True(figures.DeliveriesFailedAsExpected > 0 && smtp.Refusals == figures.DeliveriesFailedAsExpected,
            $"{smtp.Refusals} refusals, {figures.DeliveriesFailedAsExpected} deliveries failed");
        Assert.True(figures.RepeatWarnings >= 5, "each drop after DATA is logged as a possible repeat");
    }

    [Fact]
    public async Task PostgreSQL_stopped_and_started_mid_load_loses_nothing()
    {
        var postgres = RelayProcesses.Env("RELAY_TEST_POSTGRES", "Host=127.0.0.1;Port=55432;Username=postgres");
        var database = $"relay_faults_{Guid.NewGuid():N}"[..24];
        var relay = new FaultRelay(_ => [("Storage__Provider", "postgres"), ("Storage__ConnectionString", $"{postgres};Database={database}")]);
        await FaultLoad.RunAsync(output, relay, "PostgreSQL stopped for 10 s mid-load", async (_, load) =>
        {
            await load.SubmitAsync(0, 400);
            await load.WaitForAsync("50 emails sent", p => FaultLoad.CountOf(p, "deliveries", "sent") >= 50);
            await ServiceControl.RunAsync("stop_postgres");
            load.Note("PostgreSQL stopped");
            // Letters sent meanwhile get 503 and are sent again with the same Idempotency-Key, as a client does.
            var late = load.SubmitAsync(400);
            await Task.Delay(TimeSpan.FromSeconds(10));
            await ServiceControl.RunAsync("start_postgres");
            load.Note("PostgreSQL started again");
            await late;
        });
    }
}
