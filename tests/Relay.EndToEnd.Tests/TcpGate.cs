using System.Net;
using System.Net.Sockets;

namespace Relay.EndToEnd.Tests;

/// <summary>
/// A TCP relay in front of a real service that a test can cut (refusing new connections and
/// dropping open ones) and restore on the same port: an outage of one process's link to the
/// broker, without stopping the broker the rest of the test run shares.
/// </summary>
public sealed class TcpGate : IAsyncDisposable
{
    private readonly int _target;
    private readonly List<TcpClient> _open = [];
    private TcpListener? _listener;
    private CancellationTokenSource _cancel = new();

    public int Port { get; }

    public TcpGate(int target)
    {
        _target = target;
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Open();
    }

    public void Open()
    {
        _cancel = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _ = AcceptAsync(_listener, _cancel.Token);
    }

    public void Cut()
    {
        _cancel.Cancel();
        _listener?.Stop();
        lock (_open)
        {
            foreach (var client in _open)
                client.Dispose();
            _open.Clear();
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            TcpClient inbound;
            try { inbound = await listener.AcceptTcpClientAsync(cancel); }
            catch (Exception) { return; }
            var outbound = new TcpClient();
            try { await outbound.ConnectAsync(IPAddress.Loopback, _target, cancel); }
            catch (Exception) { inbound.Dispose(); outbound.Dispose(); continue; }
            lock (_open) { _open.Add(inbound); _open.Add(outbound); }
            _ = PumpAsync(inbound, outbound, TimeSpan.Zero, cancel);
            _ = PumpAsync(outbound, inbound, Delay, cancel);
        }
    }

    /// <summary>How long the service's answers are held back on connections opened from now on: a service slower than its client's timeout.</summary>
    public TimeSpan Delay { get; set; }

    private static async Task PumpAsync(TcpClient from, TcpClient to, TimeSpan delay, CancellationToken cancel)
    {
        try
        {
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await from.GetStream().ReadAsync(buffer, cancel)) > 0)
            {
                if (delay > TimeSpan.Zero)
                    await Task.Delay(delay, cancel);
                await to.GetStream().WriteAsync(buffer.AsMemory(0, read), cancel);
            }
        }
        catch (Exception) { /* either side closed */ }
        from.Dispose();
        to.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        return ValueTask.CompletedTask;
    }
}
