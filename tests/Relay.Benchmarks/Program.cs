using Relay.Benchmarks;

// Benchmarks compare Relay with the raw limits on the same machine, in the same run.
// Usage: dotnet Relay.Benchmarks.dll translation [--messages N] [--concurrency C] [--apy URL] [--out FILE]
//        dotnet Relay.Benchmarks.dll delivery [--messages N] [--connections C] [--recipients R] [--batch-size B] [--sink-delay-ms D] [--smtp-host H] [--smtp-port P] [--out FILE]
//        dotnet Relay.Benchmarks.dll site [--messages N] [--unions U] [--requests R] [--rounds K] [--concurrency 1,4,16] [--out FILE]
//        dotnet Relay.Benchmarks.dll intake [--seconds S] [--warm-up S] [--clients 1,16,64] [--postgres CONNECTION] [--host H] [--port P] [--management URL] [--out FILE] (RabbitMq__Password set)
//        dotnet Relay.Benchmarks.dll pipeline [--seconds S] [--rates 10,30] [--burst N] [--recipients R] [--languages L] [--rounds K] [--apy URL] [--management URL] [--out FILE] (RabbitMq__Password set)
//        dotnet Relay.Benchmarks.dll bus [--messages N] [--rounds K] [--host H] [--port P] [--management URL] [--out FILE] (RabbitMq__Password set)
var scenario = args.FirstOrDefault() ?? "translation";
string Option(string name, string fallback) =>
    args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;

return scenario switch
{
    "translation" => await TranslationBenchmark.RunAsync(
        messages: int.Parse(Option("--messages", "120")),
        concurrency: int.Parse(Option("--concurrency", "8")),
        apertiumUrl: Option("--apy", "http://127.0.0.1:2737"),
        output: Option("--out", "")),
    "delivery" => await DeliveryBenchmark.RunAsync(
        messages: int.Parse(Option("--messages", "2000")),
        connections: int.Parse(Option("--connections", "4")),
        perMessage: int.Parse(Option("--recipients", "20")),
        batchSize: int.Parse(Option("--batch-size", "0")),
        sinkDelayMs: int.Parse(Option("--sink-delay-ms", "0")),
        smtpHost: Option("--smtp-host", "127.0.0.1"),
        smtpPort: int.Parse(Option("--smtp-port", "2525")),
        output: Option("--out", "")),
    "site" => await SiteBenchmark.RunAsync(
        messages: int.Parse(Option("--messages", "10000")),
        unions: int.Parse(Option("--unions", "300")),
        requests: int.Parse(Option("--requests", "20")),
        rounds: int.Parse(Option("--rounds", "5")),
        concurrencies: Option("--concurrency", "1,4,16").Split(',').Select(int.Parse).ToArray(),
        output: Option("--out", "")),
    "intake" => await IntakeBenchmark.RunAsync(
        seconds: int.Parse(Option("--seconds", "5")),
        warmUp: int.Parse(Option("--warm-up", "30")),
        concurrencies: Option("--clients", "1,16,64").Split(',').Select(int.Parse).ToArray(),
        postgres: Option("--postgres", ""),
        rabbitHost: Option("--host", "127.0.0.1"),
        rabbitPort: int.Parse(Option("--port", "5672")),
        managementUrl: Option("--management", "http://127.0.0.1:15672"),
        output: Option("--out", "")),
    "bus" => await BusBenchmark.RunAsync(
        messages: int.Parse(Option("--messages", "10000")),
        rounds: int.Parse(Option("--rounds", "5")),
        host: Option("--host", "127.0.0.1"),
        port: int.Parse(Option("--port", "5672")),
        managementUrl: Option("--management", "http://127.0.0.1:15672"),
        output: Option("--out", "")),
    "pipeline" => await PipelineBenchmark.RunAsync(
        seconds: int.Parse(Option("--seconds", "10")),
        rates: Option("--rates", "10,30").Split(',').Select(int.Parse).ToArray(),
        burst: int.Parse(Option("--burst", "200")),
        fanOut: int.Parse(Option("--recipients", "200")),
        languages: int.Parse(Option("--languages", "8")),
        fanOutRounds: int.Parse(Option("--rounds", "2")),
        apertiumUrl: Option("--apy", "http://127.0.0.1:2737"),
        managementUrl: Option("--management", "http://127.0.0.1:15672"),
        output: Option("--out", "")),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Relay.Benchmarks translation [--messages N] [--concurrency C] [--apy URL] [--out FILE]");
    Console.Error.WriteLine("       Relay.Benchmarks delivery [--messages N] [--connections C] [--recipients R] [--batch-size B] [--sink-delay-ms D] [--smtp-host H] [--smtp-port P] [--out FILE]");
    Console.Error.WriteLine("       Relay.Benchmarks site [--messages N] [--unions U] [--requests R] [--rounds K] [--concurrency 1,4,16] [--out FILE]");
    Console.Error.WriteLine("       Relay.Benchmarks intake [--seconds S] [--warm-up S] [--clients 1,16,64] [--postgres CONNECTION] [--host H] [--port P] [--management URL] [--out FILE]");
    Console.Error.WriteLine("       Relay.Benchmarks pipeline [--seconds S] [--rates 10,30] [--burst N] [--recipients R] [--languages L] [--rounds K] [--apy URL] [--management URL] [--out FILE]");
    Console.Error.WriteLine("       Relay.Benchmarks bus [--messages N] [--rounds K] [--host H] [--port P] [--management URL] [--out FILE]");
    return 2;
}
