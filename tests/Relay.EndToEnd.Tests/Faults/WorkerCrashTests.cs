using Xunit.Abstractions;

namespace Relay.EndToEnd.Tests.Faults;

/// <summary>Workers killed with SIGKILL under load: nothing lost, nothing sent twice unless logged.</summary>
public class WorkerCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Each_worker_kind_killed_mid_load_then_restarted_loses_nothing_and_repeats_only_what_it_logs()
    {
        await FaultLoad.RunAsync(output, new FaultRelay(), "SIGKILL each worker kind in turn, restarted 2 s later", async (relay, load) =>
        {
            await load.SubmitAsync();
            // Each kind in turn as the emails flow, translation first, while most letters still wait for it.
            var at = new Dictionary<string, int> { ["Relay.Translation"] = 20, ["Relay.Moderation"] = 150, ["Relay.Delivery"] = 300, ["Relay.Publication"] = 450 };
            foreach (var (service, sent) in at)
            {
                await load.WaitForAsync($"{sent} emails sent", p => FaultLoad.CountOf(p, "deliveries", "sent") >= sent);
                relay.Kill(service);
                load.Note($"{service} killed (SIGKILL)");
                await Task.Delay(TimeSpan.FromSeconds(2));
                relay.Start(service);
            }
        });
    }

    [Fact]
    public async Task Two_instances_of_each_worker_share_the_load_and_one_of_each_killed_loses_nothing()
    {
        await FaultLoad.RunAsync(output, new FaultRelay(), "two instances of each worker, one of each killed (SIGKILL)", async (relay, load) =>
        {
            foreach (var service in RelayProcesses.Services.Skip(1))
                relay.Start(service);
            await relay.WaitAsync("two consumers on every queue", async () => (await relay.ConsumersAsync()).Values.All(n => n >= 2));
            await load.SubmitAsync();
            await load.WaitForAsync("200 emails sent", p => FaultLoad.CountOf(p, "deliveries", "sent") >= 200);
            foreach (var service in RelayProcesses.Services.Skip(1))
                relay.Kill(service, instance: 0);
            load.Note("the first instance of every worker killed; the second carries on alone");
        });
    }
}
