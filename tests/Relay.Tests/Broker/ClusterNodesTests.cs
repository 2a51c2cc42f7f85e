using Relay.ServiceDefaults;

namespace Relay.Tests.Broker;

/// <summary>Which brokers a process connects to: RabbitMq:ClusterNodes, or the single Host:Port when it is empty.</summary>
public class ClusterNodesTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(" , ")]
    public void No_cluster_nodes_means_the_single_broker(string nodes)
    {
        var options = new RabbitMqOptions { Host = "rabbit.internal", Port = 5673, ClusterNodes = nodes };
        Assert.Equal([("rabbit.internal", (ushort)5673)], options.Nodes());
    }

    [Fact]
    public void Cluster_nodes_are_tried_in_the_order_given_and_replace_the_single_host()
    {
        var options = new RabbitMqOptions { Host = "ignored", Port = 1, ClusterNodes = "127.0.0.1:5701, 127.0.0.1:5702 ,node-c:5703" };
        Assert.Equal([("127.0.0.1", (ushort)5701), ("127.0.0.1", (ushort)5702), ("node-c", (ushort)5703)], options.Nodes());
    }

    [Fact]
    public void A_node_without_a_port_is_on_the_amqp_port()
    {
        var options = new RabbitMqOptions { ClusterNodes = "rabbit-1,rabbit-2:5680" };
        Assert.Equal([("rabbit-1", (ushort)5672), ("rabbit-2", (ushort)5680)], options.Nodes());
    }

    [Theory]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("127.0.0.1:57o1")]
    [InlineData(":5701")]
    [InlineData("amqp://127.0.0.1:5701")]
    [InlineData("127.0.0.1:5701,127.0.0.1:-5")]
    public void A_malformed_node_is_refused_with_the_setting_named(string nodes)
    {
        var options = new RabbitMqOptions { ClusterNodes = nodes };
        var error = Assert.Throws<FormatException>(() => options.Nodes());
        Assert.Contains("RabbitMq:ClusterNodes", error.Message);
    }
}
