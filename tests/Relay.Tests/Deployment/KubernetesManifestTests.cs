using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;
using MassTransit;
using YamlDotNet.RepresentationModel;

namespace Relay.Tests.Deployment;

/// <summary>
/// deploy/k8s validated offline, as nothing here runs a cluster: every overlay renders with
/// <c>kubectl kustomize</c> (the kubectl deploy/local/lib.sh installs, <c>RELAY_TEST_KUBECTL</c>, else the
/// one on PATH) and what it renders is read back and checked; yamllint passes over the YAML. A missing
/// kubectl or yamllint fails these tests: deploy/local/test.sh installs both (install_deploy_tools).
/// </summary>
public class KubernetesManifestTests
{
    public static TheoryData<string> Overlays => new() { "overlays/single-node", "overlays/production" };

    public static TheoryData<string> Renderable => new() { "base", "overlays/single-node", "overlays/production" };

    /// <summary>Each worker's Deployment and a type from its assembly, whose consumers name its queues.</summary>
    private static readonly Dictionary<string, Type> Workers = new()
    {
        ["relay-translation"] = typeof(Relay.Translation.TranslateMessageConsumer),
        ["relay-moderation"] = typeof(Relay.Moderation.ScreenMessageConsumer),
        ["relay-delivery"] = typeof(Relay.Delivery.DeliverMessageConsumer),
        ["relay-publication"] = typeof(Relay.Publication.PublishMessageConsumer),
    };

    private static readonly string[] RelayServices = ["relay-intake", .. Workers.Keys];

    /// <summary>The Secrets the manifests may read: the operators' (named after their clusters) and the one made by hand.</summary>
    private const string HandMadeSecret = "relay-secrets";

    private static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Relay.sln")))
                    return dir.FullName;
            throw new InvalidOperationException("Relay.sln not found");
        }
    }

    private static string Kubectl =>
        Environment.GetEnvironmentVariable("RELAY_TEST_KUBECTL") is { Length: > 0 } path ? path : "kubectl";

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool, arguments)
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"{tool} could not be started ({e.Message}); deploy/local/test.sh installs it (install_deploy_tools in deploy/local/lib.sh)", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output, errors);
        }
    }

    private static async Task<Manifests> RenderAsync(string directory)
    {
        var (exitCode, output, errors) = await RunAsync(Kubectl, "kustomize", $"deploy/k8s/{directory}");
        Assert.True(exitCode == 0, $"kubectl kustomize deploy/k8s/{directory} exited {exitCode}: {errors}");
        return new Manifests(ReadYaml(output));
    }

    private static List<JsonObject> ReadYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Where(d => d.RootNode is YamlMappingNode).Select(d => (JsonObject)ToJson(d.RootNode)!).ToList();
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c =>
            KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? ""),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    private static string? Text(JsonNode? node) => node?.GetValue<string>();

    /// <summary>The queue MassTransit names after each consumer of the worker's assembly (kebab case, as ServiceDefaults sets).</summary>
    private static SortedSet<string> QueuesOf(Type workerType)
    {
        var method = typeof(KebabCaseEndpointNameFormatter).GetMethod(nameof(KebabCaseEndpointNameFormatter.Consumer))!;
        return new SortedSet<string>(workerType.Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IConsumer).IsAssignableFrom(t))
            .Select(t => (string)method.MakeGenericMethod(t).Invoke(KebabCaseEndpointNameFormatter.Instance, null)!));
    }

    [Theory]
    [MemberData(nameof(Renderable))]
    public async Task Kubectl_kustomize_renders_it_into_named_resources_of_the_relay_namespace(string directory)
    {
        var manifests = await RenderAsync(directory);

        Assert.NotEmpty(manifests.All);
        Assert.All(manifests.All, r =>
        {
            Assert.False(string.IsNullOrEmpty(Text(r["apiVersion"])));
            Assert.False(string.IsNullOrEmpty(Text(r["metadata"]?["name"])));
            if (Text(r["kind"]) != "Namespace")
                Assert.Equal("relay", Text(r["metadata"]?["namespace"]));
        });
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_service_has_a_deployment_with_probes_resources_and_a_non_root_read_only_container(string overlay)
    {
        var manifests = await RenderAsync(overlay);

        foreach (var name in RelayServices.Append("relay-apertium"))
        {
            var pod = manifests.Single("Deployment", name)["spec"]!["template"]!["spec"]!;
            Assert.Equal("true", Text(pod["securityContext"]?["runAsNonRoot"]));
            Assert.NotEqual("0", Text(pod["securityContext"]?["runAsUser"]) ?? "0");
            var container = Assert.Single(pod["containers"]!.AsArray())!;
            Assert.False(string.IsNullOrEmpty(Text(container["image"])), $"{name}: no image");
            Assert.Equal("false", Text(container["securityContext"]?["allowPrivilegeEscalation"]));
            Assert.Equal("true", Text(container["securityContext"]?["readOnlyRootFilesystem"]));
            Assert.Contains("ALL", container["securityContext"]?["capabilities"]?["drop"]?.AsArray().Select(Text) ?? []);
            foreach (var resource in new[] { "cpu", "memory" })
                Assert.False(string.IsNullOrEmpty(Text(container["resources"]?["requests"]?[resource])), $"{name}: no {resource} request");
            Assert.False(string.IsNullOrEmpty(Text(container["resources"]?["limits"]?["memory"])), $"{name}: no memory limit");
            Assert.NotNull(container["readinessProbe"]);
            // A read-only root: /tmp is writable (an emptyDir).
            Assert.Contains("/tmp", container["volumeMounts"]!.AsArray().Select(m => Text(m!["mountPath"])));
        }

        // Intake's probes are its health endpoints, on the port it listens on (ASPNETCORE_URLS).
        var intake = manifests.Single("Deployment", "relay-intake")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var port = Assert.Single(intake["ports"]!.AsArray(), p => Text(p!["name"]) == "http")!;
        // /metrics on a port of its own, never the public one the Ingress routes to.
        var metricsPort = Assert.Single(intake["ports"]!.AsArray(), p => Text(p!["name"]) == "metrics")!;
        Assert.Equal("http://0.0.0.0:" + Text(metricsPort["containerPort"]),
            Text(intake["env"]!.AsArray().Single(e => Text(e!["name"]) == "Health__Urls")!["value"]));
        Assert.Equal(Text(metricsPort["containerPort"]), Text(manifests.Single("Deployment", "relay-intake")["spec"]!["template"]!["metadata"]?["annotations"]?["prometheus.io/port"]));
        Assert.Equal("8080", Text(port["containerPort"]));
        Assert.Equal("http://0.0.0.0:8080", Text(intake["env"]!.AsArray().Single(e => Text(e!["name"]) == "ASPNETCORE_URLS")!["value"]));
        // Behind the Ingress, the per-address rate limits count the client's address, not the controller's.
        Assert.Equal("true", Text(intake["env"]!.AsArray().Single(e => Text(e!["name"]) == "ASPNETCORE_FORWARDEDHEADERS_ENABLED")!["value"]));
        foreach (var (probe, path) in new[] { ("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready"), ("startupProbe", "/health/live") })
        {
            Assert.Equal(path, Text(intake[probe]?["httpGet"]?["path"]));
            Assert.Equal(Text(port["name"]), Text(intake[probe]?["httpGet"]?["port"]));
        }

        // Every service: Prometheus scrapes /metrics on its http port.
        foreach (var name in RelayServices)
        {
            var template = manifests.Single("Deployment", name)["spec"]!["template"]!;
            Assert.Equal("true", Text(template["metadata"]?["annotations"]?["prometheus.io/scrape"]));
            Assert.Equal("/metrics", Text(template["metadata"]?["annotations"]?["prometheus.io/path"]));
            var container = template["spec"]!["containers"]![0]!;
            Assert.Contains(container["ports"]!.AsArray(), p => Text(p!["containerPort"]) == Text(template["metadata"]?["annotations"]?["prometheus.io/port"]));
        }

        // The workers serve /health/live, /health/ready and /metrics on Health__Urls, their http port.
        foreach (var worker in Workers.Keys)
        {
            var container = manifests.Single("Deployment", worker)["spec"]!["template"]!["spec"]!["containers"]![0]!;
            var workerPort = Assert.Single(container["ports"]!.AsArray())!;
            Assert.Equal("http://0.0.0.0:" + Text(workerPort["containerPort"]),
                Text(container["env"]!.AsArray().Single(e => Text(e!["name"]) == "Health__Urls")!["value"]));
            foreach (var (probe, path) in new[] { ("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready") })
            {
                Assert.Equal(path, Text(container[probe]?["httpGet"]?["path"]));
                Assert.Equal(Text(workerPort["name"]), Text(container[probe]?["httpGet"]?["port"]));
            }
        }
    }

    [Fact]
    public async Task The_images_are_built_in_stages_and_run_as_the_non_root_users_the_manifests_name()
    {
        var manifests = await RenderAsync("overlays/production");
        var services = await File.ReadAllTextAsync(Path.Combine(Root, "deploy/docker/Dockerfile"));
        var apertium = await File.ReadAllTextAsync(Path.Combine(Root, "deploy/docker/apertium/Dockerfile"));

        // The services: the SDK builds, the runtime image runs as its user "app" ($APP_UID, 1654 in the .NET images).
        Assert.True(System.Text.RegularExpressions.Regex.Matches(services, @"(?m)^FROM ").Count >= 2, "deploy/docker/Dockerfile is not multi-stage");
        Assert.Contains("\nUSER $APP_UID", services);
        foreach (var name in RelayServices)
            Assert.Equal("1654", Text(manifests.Single("Deployment", name)["spec"]!["template"]!["spec"]!["securityContext"]!["runAsUser"]));

        // APY: a fixed uid, so that runAsNonRoot can verify it.
        var uid = System.Text.RegularExpressions.Regex.Match(apertium, @"(?m)^USER (\d+)").Groups[1].Value;
        Assert.NotEqual("", uid);
        Assert.NotEqual("0", uid);
        Assert.Equal(uid, Text(manifests.Single("Deployment", "relay-apertium")["spec"]!["template"]!["spec"]!["securityContext"]!["runAsUser"]));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task No_secret_is_written_into_the_manifests_and_every_one_read_comes_from_a_secret(string overlay)
    {
        var manifests = await RenderAsync(overlay);

        Assert.Empty(manifests.OfKind("Secret"));
        var allowed = new[]
        {
            HandMadeSecret,
            Text(manifests.Single("Cluster", "relay-db")["metadata"]!["name"]) + "-app",
            Text(manifests.Single("RabbitmqCluster", "relay-rabbitmq")["metadata"]!["name"]) + "-default-user",
        };
        var config = manifests.RelayConfig();
        Assert.DoesNotContain(config, setting => IsSecretName(setting.Key));

        foreach (var deployment in manifests.OfKind("Deployment"))
        {
            var pod = deployment["spec"]!["template"]!["spec"]!;
            foreach (var variable in pod["containers"]!.AsArray().SelectMany(c => c!["env"]?.AsArray() ?? []))
            {
                var name = Text(variable!["name"])!;
                var fromSecret = Text(variable["valueFrom"]?["secretKeyRef"]?["name"]);
                if (IsSecretName(name))
                    Assert.True(fromSecret is not null && variable["value"] is null, $"{name} is not read from a Secret");
                if (fromSecret is not null)
                    Assert.Contains(fromSecret, allowed);
                if (name == "Storage__ConnectionString")
                    Assert.Contains("Password=$(RELAY_DB_PASSWORD)", Text(variable["value"]));
            }

            foreach (var volume in pod["volumes"]?.AsArray() ?? [])
                if (Text(volume!["secret"]?["secretName"]) is { } secret)
                    Assert.Contains(secret, allowed);
        }

        foreach (var authentication in manifests.OfKind("TriggerAuthentication"))
            Assert.All(authentication["spec"]!["secretTargetRef"]!.AsArray(), r => Assert.Contains(Text(r!["name"]), allowed));

        static bool IsSecretName(string name) =>
            new[] { "password", "secret", "key" }.Any(end => name.EndsWith(end, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_services_share_docker_compose_s_settings_and_reach_the_broker_the_database_and_apy(string overlay)
    {
        var manifests = await RenderAsync(overlay);
        var config = manifests.RelayConfig();
        var configName = Text(manifests.OfKind("ConfigMap").Single(c => Text(c["metadata"]!["name"])!.StartsWith("relay-config"))["metadata"]!["name"]);
        var compose = ReadYaml(await File.ReadAllTextAsync(Path.Combine(Root, "docker-compose.yml"))).Single();
        var shared = compose["x-relay-env"]!.AsObject().Select(s => s.Key).ToList();
        Assert.NotEmpty(shared);

        foreach (var name in RelayServices)
        {
            var container = manifests.Single("Deployment", name)["spec"]!["template"]!["spec"]!["containers"]![0]!;
            Assert.Contains(configName, container["envFrom"]!.AsArray().Select(e => Text(e!["configMapRef"]?["name"])));
            var env = container["env"]!.AsArray().Select(e => Text(e!["name"])).ToHashSet();
            foreach (var setting in shared)
            {
                // docker-compose gives the link secret to every service; only intake and the email worker read it.
                if (setting == "Links__Secret" && name is not ("relay-intake" or "relay-delivery"))
                    continue;
                Assert.True(config.ContainsKey(setting) || env.Contains(setting), $"{name} lacks {setting}");
            }
        }

        Assert.Equal("postgres", config["Storage__Provider"]);
        Assert.Equal("true", config["RabbitMq__QuorumQueues"]);
        var rabbit = Text(manifests.Single("RabbitmqCluster", "relay-rabbitmq")["metadata"]!["name"]);
        Assert.Equal(rabbit, config["RabbitMq__Host"]);
        Assert.Equal($"http://{rabbit}:15672", config["RabbitMq__ManagementUrl"]);
        Assert.Contains($"default_vhost = {config["RabbitMq__VirtualHost"]}",
            Text(manifests.Single("RabbitmqCluster", "relay-rabbitmq")["spec"]!["rabbitmq"]!["additionalConfig"]));
        var database = manifests.Single("Cluster", "relay-db");
        Assert.Equal("relay", Text(database["spec"]!["bootstrap"]!["initdb"]!["database"]));
        var apy = manifests.Single("Service", "relay-apertium");
        Assert.Equal($"http://{Text(apy["metadata"]!["name"])}:{Text(apy["spec"]!["ports"]![0]!["port"])}", config["Apertium__Url"]);

        // The public site: a Service in front of intake's pods and an Ingress to it.
        var service = manifests.Single("Service", "relay-intake");
        Assert.Equal("relay-intake", Text(service["spec"]!["selector"]!["app.kubernetes.io/name"]));
        var backend = manifests.Single("Ingress", "relay-intake")["spec"]!["rules"]![0]!["http"]!["paths"]![0]!["backend"]!["service"]!;
        Assert.Equal("relay-intake", Text(backend["name"]));
    }

    [Fact]
    public async Task In_production_keda_scales_each_worker_on_the_queues_its_consumers_read()
    {
        var manifests = await RenderAsync("overlays/production");
        var config = manifests.RelayConfig();
        var rabbit = Text(manifests.Single("RabbitmqCluster", "relay-rabbitmq")["metadata"]!["name"]);
        var authentication = manifests.OfKind("TriggerAuthentication").Select(a => Text(a["metadata"]!["name"])).ToHashSet();
        var scaled = new SortedSet<string>();

        foreach (var (worker, type) in Workers)
        {
            var scaledObject = Assert.Single(manifests.OfKind("ScaledObject"), s => Text(s["spec"]!["scaleTargetRef"]!["name"]) == worker);
            var spec = scaledObject["spec"]!;
            var min = int.Parse(Text(spec["minReplicaCount"])!);
            Assert.True(min >= 1, $"{worker} may scale to zero: its outbox dispatcher and timers would stop");
            Assert.True(int.Parse(Text(spec["maxReplicaCount"])!) > min, $"{worker} cannot scale out");
            var triggers = spec["triggers"]!.AsArray().Select(t => t!).ToList();
            Assert.All(triggers, t =>
            {
                Assert.Equal("rabbitmq", Text(t["type"]));
                Assert.Equal("QueueLength", Text(t["metadata"]!["mode"]));
                Assert.Equal($"amqp://{rabbit}.relay.svc:5672/{config["RabbitMq__VirtualHost"]}", Text(t["metadata"]!["host"]));
                Assert.Contains(Text(t["authenticationRef"]!["name"]), authentication);
            });
            var queues = new SortedSet<string>(triggers.Select(t => Text(t["metadata"]!["queueName"])!));
            Assert.Equal(QueuesOf(type), queues);
            scaled.UnionWith(queues);
        }

        Assert.Equal(
            new SortedSet<string>(["translate-message", "screen-message", "deliver-message", "sender-summary", "tell-coordinators",
                "rejection-notice", "publish-message", "confirmation-requested", "sign-in-link-requested", "inbound-mail-reply"]),
            scaled);
        // The worker Deployments carry no replica count: KEDA's (and intake's autoscaler's) is not reset by an apply.
        Assert.All(RelayServices, name => Assert.Null(manifests.Single("Deployment", name)["spec"]!["replicas"]));
        var hpa = Assert.Single(manifests.OfKind("HorizontalPodAutoscaler"));
        Assert.Equal("relay-intake", Text(hpa["spec"]!["scaleTargetRef"]!["name"]));
        Assert.True(int.Parse(Text(hpa["spec"]!["minReplicas"])!) >= 2);
    }

    [Fact]
    public async Task Production_runs_three_broker_nodes_and_three_database_instances_and_keeps_quorums_through_a_drain()
    {
        var manifests = await RenderAsync("overlays/production");

        var rabbit = manifests.Single("RabbitmqCluster", "relay-rabbitmq");
        Assert.Equal("rabbitmq.com/v1beta1", Text(rabbit["apiVersion"]));
        Assert.Equal("3", Text(rabbit["spec"]!["replicas"]));
        var database = manifests.Single("Cluster", "relay-db");
        Assert.Equal("postgresql.cnpg.io/v1", Text(database["apiVersion"]));
        Assert.Equal("3", Text(database["spec"]!["instances"]));
        Assert.Equal("true", Text(database["spec"]!["enablePDB"]));
        Assert.Empty(manifests.OfKind("StatefulSet"));

        var budgets = manifests.OfKind("PodDisruptionBudget").ToList();
        foreach (var name in RelayServices.Append("relay-apertium"))
        {
            var labels = manifests.Single("Deployment", name)["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
            Assert.Single(budgets, b => Selects(b, labels));
        }

        Assert.Equal("1", Text(manifests.Single("PodDisruptionBudget", "relay-intake")["spec"]!["minAvailable"]));
        var broker = Assert.Single(budgets, b => Text(b["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/name"]) == Text(rabbit["metadata"]!["name"]));
        Assert.Equal("1", Text(broker["spec"]!["maxUnavailable"]));
        var ingress = manifests.Single("Ingress", "relay-intake");
        Assert.NotEmpty(ingress["spec"]!["tls"]!.AsArray());

        static bool Selects(JsonObject budget, JsonObject labels) =>
            budget["spec"]!["selector"]!["matchLabels"]!.AsObject().All(l => labels.TryGetPropertyValue(l.Key, out var v) && Text(v) == Text(l.Value));
    }

    [Fact]
    public async Task A_single_node_runs_one_of_everything_and_nothing_blocks_draining_it()
    {
        var manifests = await RenderAsync("overlays/single-node");

        Assert.Equal("1", Text(manifests.Single("RabbitmqCluster", "relay-rabbitmq")["spec"]!["replicas"]));
        var database = manifests.Single("Cluster", "relay-db")["spec"]!;
        Assert.Equal("1", Text(database["instances"]));
        // CloudNativePG's own budget on the primary would refuse to evict the only instance.
        Assert.Equal("false", Text(database["enablePDB"]));
        Assert.All(manifests.OfKind("Deployment"), d => Assert.Equal("1", Text(d["spec"]!["replicas"])));
        Assert.Empty(manifests.OfKind("ScaledObject"));
        Assert.Empty(manifests.OfKind("TriggerAuthentication"));
        Assert.Empty(manifests.OfKind("HorizontalPodAutoscaler"));
        Assert.All(manifests.OfKind("PodDisruptionBudget"), b =>
        {
            Assert.Null(b["spec"]!["minAvailable"]);
            Assert.True(int.Parse(Text(b["spec"]!["maxUnavailable"])!) >= 1);
        });
    }

    [Fact]
    public async Task Yamllint_passes_over_the_kubernetes_manifests_and_the_compose_file()
    {
        // .yamllint at the repository root is the configuration; -s fails on warnings too.
        var (exitCode, output, errors) = await RunAsync("yamllint", "-s", "-f", "parsable", "deploy/k8s", "docker-compose.yml", ".yamllint");
        Assert.True(exitCode == 0, output + errors);
    }

    private sealed class Manifests(List<JsonObject> all)
    {
        public List<JsonObject> All { get; } = all;

        public IEnumerable<JsonObject> OfKind(string kind) => All.Where(r => Text(r["kind"]) == kind);

        public JsonObject Single(string kind, string name)
        {
            var found = OfKind(kind).Where(r => Text(r["metadata"]!["name"]) == name).ToList();
            Assert.True(found.Count == 1, $"{found.Count} {kind} named {name}");
            return found[0];
        }

        /// <summary>The shared settings (the generated ConfigMap relay-config-&lt;hash&gt;).</summary>
        public Dictionary<string, string> RelayConfig() =>
            OfKind("ConfigMap").Single(c => Text(c["metadata"]!["name"])!.StartsWith("relay-config"))["data"]!.AsObject()
                .ToDictionary(s => s.Key, s => Text(s.Value)!);
    }
}
