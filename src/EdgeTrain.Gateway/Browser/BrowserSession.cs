using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using EdgeTrain.Actors.Gateway;
using EdgeTrain.Core;
using EdgeTrain.Core.Membership;
using EdgeTrain.Core.Security;
using EdgeTrain.Gateway.Server;
using static EdgeTrain.Actors.Gateway.GatewayProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Gateway.Browser;

/// <summary>
/// A browser tab that trains (<c>/browser/</c>), on its WebSocket (<c>/browser/ws</c>): to the cluster it is a
/// device like any other (its stand-in, its checks), with the gateway doing for it what a device's trainer
/// does around its model: on the page's <c>pull</c> it pulls every slice and sends the page the whole model; the
/// page's gradient is cut into slices and encoded with the job's codec here (the page cannot run the codecs;
/// the error feedback of a lossy codec is kept here, per job), then sent to the aggregators as the tab's
/// contribution; its counters go to the coordinator as the tab's progress every two seconds. Over TLS the
/// tab's hello carries a join token of the cluster's CA that grants the trainer role (checked, not used up: a
/// tab can reconnect with it until it expires).
/// </summary>
internal sealed class BrowserSession
{
    private static readonly TimeSpan PullTimeout = TimeSpan.FromSeconds(10);
    private readonly WebSocket socket;
    private readonly GatewayContext gateway;
    private readonly SemaphoreSlim sending = new(1, 1);
    private readonly object gate = new();
    private readonly Dictionary<string, BrowserJob> jobs = new(StringComparer.Ordinal);
    private string address = "";
    private IActorRef device = ActorRefs.Nobody;

    public BrowserSession(WebSocket socket, GatewayContext gateway)
    {
        this.socket = socket;
        this.gateway = gateway;
    }

    public async Task RunAsync(string peer, CancellationToken stop)
    {
        var hello = await ReceiveJsonAsync(stop).ConfigureAwait(false);
        if (hello is null)
        {
            return;
        }

        var id = hello["device"]?.GetValue<string>() ?? "";
        if (Refusal(id, hello["token"]?.GetValue<string>() ?? "") is { } refusal)
        {
            gateway.Log.Warning("gateway: refused a browser from {0}: {1}", peer, refusal);
            await SendJsonAsync(new JsonObject { ["type"] = "refused", ["reason"] = refusal }, stop).ConfigureAwait(false);
            await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, "refused", stop).ConfigureAwait(false);
            return;
        }

        var link = new DeviceLink(gateway.Settings.LinkCapacity);
        var attached = await gateway.Actor.Ask<DeviceAttached>(new AttachDevice(id, "local", Capabilities, 1, link) { Peer = peer, ReplayStarts = true }, TimeSpan.FromSeconds(10), stop).ConfigureAwait(false);
        (address, device) = (attached.Address, attached.Device);
        await SendJsonAsync(new JsonObject { ["type"] = "welcome", ["address"] = address }, stop).ConfigureAwait(false);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var down = DownAsync(link, session.Token);
        var progress = ProgressAsync(session.Token);
        try
        {
            await UpAsync(session.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or JsonException or InvalidDataException)
        {
            gateway.Log.Info("gateway: browser {0} went away: {1}", address, e.Message);
        }
        finally
        {
            device.Tell(new DetachDevice(link));
            link.Close();
            await session.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(down, progress).ConfigureAwait(false);
        }
    }

    // a browser's capabilities as the scheduler sees them: it trains, slowly
    private static NodeCapabilities Capabilities => new(1, 0, true, null, false, 0, 1, 0, "browser");

    private string? Refusal(string id, string token)
    {
        if (!DeviceNames.IsValidId(id))
        {
            return $"'{id}' cannot name a device (1 to 64 letters, digits, '-', '_', '.')";
        }

        if (gateway.Ca is not { } ca)
        {
            return null;
        }

        try
        {
            var verified = JoinToken.Verify(token, ca, DateTimeOffset.UtcNow);
            return verified.Roles.Contains(ClusterRoles.Trainer, StringComparer.Ordinal) ? null : $"{verified} does not grant the trainer role";
        }
        catch (InvalidInputException e)
        {
            return $"the page's join token is refused: {e.Message}";
        }
    }

    // what the page sends: pulls and updates (each update's gradient in the binary frame after it)
    private async Task UpAsync(CancellationToken stop)
    {
        while (await ReceiveJsonAsync(stop).ConfigureAwait(false) is { } message)
        {
            var type = message["type"]?.GetValue<string>();
            var jobId = message["job"]?.GetValue<string>() ?? "";
            BrowserJob? job;
            lock (gate)
            {
                jobs.TryGetValue(jobId, out job);
            }

            switch (type)
            {
                case "pull" when job is not null:
                    foreach (var pull in job.BeginPull())
                    {
                        Up(DeviceRoute.Shards, job.Id, pull);
                    }

                    break;
                case "update" when job is not null:
                    var gradient = await ReceiveFloatsAsync(job.TotalFloats, stop).ConfigureAwait(false);
                    var versions = message["versions"]!.AsArray().Select(v => v!.GetValue<long>()).ToArray();
                    var samples = message["samples"]!.GetValue<int>();
                    var loss = message["loss"]!.GetValue<double>();
                    foreach (var contribution in job.Contribute(gradient, versions, samples, loss))
                    {
                        Up(DeviceRoute.Aggregators, job.Id, contribution);
                    }

                    break;
                case "update":
                    await ReceiveFloatsAsync(null, stop).ConfigureAwait(false); // a job that stopped: its gradient is dropped
                    break;
                default:
                    break;
            }
        }
    }

    // what the cluster sends the tab's stand-in: starts, stops, slices
    private async Task DownAsync(DeviceLink link, CancellationToken stop)
    {
        try
        {
            await foreach (var envelope in link.Reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                switch (envelope.Message)
                {
                    case StartTraining start:
                        await StartAsync(start, stop).ConfigureAwait(false);
                        break;
                    case StopTraining stopTraining:
                        lock (gate)
                        {
                            jobs.Remove(stopTraining.JobId);
                        }

                        await SendJsonAsync(new JsonObject { ["type"] = "stop", ["job"] = stopTraining.JobId }, stop).ConfigureAwait(false);
                        break;
                    case SliceData data:
                        BrowserJob? job;
                        lock (gate)
                        {
                            jobs.TryGetValue(data.JobId, out job);
                        }

                        if (job?.Received(data) is { } model)
                        {
                            await SendModelAsync(job.Id, model.Versions, model.Values, stop).ConfigureAwait(false);
                        }

                        break;
                    default:
                        break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // the tab went away
        }
    }

    private async Task StartAsync(StartTraining start, CancellationToken stop)
    {
        if (BrowserJobs.Refusal(start.Spec) is { } refusal)
        {
            Up(DeviceRoute.Coordinator, start.JobId, new TrainerFailed(start.JobId, address, refusal));
            await SendJsonAsync(new JsonObject { ["type"] = "error", ["reason"] = $"job {start.JobId}: {refusal}" }, stop).ConfigureAwait(false);
            return;
        }

        BrowserJob job;
        lock (gate)
        {
            // the same job again (its partitions changed): the encoder and its error feedback stay
            if (jobs.TryGetValue(start.JobId, out var running))
            {
                running.Reassign(start);
                job = running;
            }
            else
            {
                job = jobs[start.JobId] = new BrowserJob(start);
            }
        }

        await SendJsonAsync(
            new JsonObject
            {
                ["type"] = "start",
                ["job"] = start.JobId,
                ["layers"] = new JsonArray([.. BrowserJobs.Layers(start.Spec).Select(l => (JsonNode)l)]),
                ["batchSize"] = start.Spec.BatchSize,
                ["assigned"] = new JsonArray([.. start.Assigned.Select(p => (JsonNode)p)]),
                ["partitions"] = start.Partitions,
                ["seed"] = start.Spec.Seed,
                ["totalFloats"] = job.TotalFloats,
            },
            stop).ConfigureAwait(false);
    }

    // the tab's progress every two seconds, and pulls that went unanswered asked again
    private async Task ProgressAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), stop).ConfigureAwait(false);
                List<BrowserJob> running;
                lock (gate)
                {
                    running = [.. jobs.Values];
                }

                foreach (var job in running)
                {
                    Up(DeviceRoute.Coordinator, job.Id, job.Progress(address));
                    foreach (var again in job.Overdue(PullTimeout))
                    {
                        Up(DeviceRoute.Shards, job.Id, again);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the tab went away
        }
    }

    private void Up(DeviceRoute route, string jobId, object message) => device.Tell(new FromDevice(new DeviceEnvelope(route, jobId, message)));

    private async Task SendModelAsync(string jobId, long[] versions, float[] values, CancellationToken stop)
    {
        await sending.WaitAsync(stop).ConfigureAwait(false);
        try
        {
            var header = new JsonObject { ["type"] = "model", ["job"] = jobId, ["versions"] = new JsonArray([.. versions.Select(v => (JsonNode)v)]) };
            var text = Encoding.UTF8.GetBytes(header.ToJsonString());
            await socket.SendAsync(text, WebSocketMessageType.Text, true, stop).ConfigureAwait(false);
            var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            await socket.SendAsync(bytes, WebSocketMessageType.Binary, true, stop).ConfigureAwait(false);
            gateway.Counted(0, text.Length + bytes.Length);
        }
        finally
        {
            sending.Release();
        }
    }

    private async Task SendJsonAsync(JsonObject message, CancellationToken stop)
    {
        await sending.WaitAsync(stop).ConfigureAwait(false);
        try
        {
            var text = Encoding.UTF8.GetBytes(message.ToJsonString());
            await socket.SendAsync(text, WebSocketMessageType.Text, true, stop).ConfigureAwait(false);
            gateway.Counted(0, text.Length);
        }
        finally
        {
            sending.Release();
        }
    }

    // the next text message as JSON; null when the page closed
    private async Task<JsonObject?> ReceiveJsonAsync(CancellationToken stop)
    {
        var (type, bytes) = await ReceiveAsync(64 * 1024, stop).ConfigureAwait(false);
        if (type is null)
        {
            return null;
        }

        if (type != WebSocketMessageType.Text)
        {
            throw new InvalidDataException("expected a JSON message, found a binary one");
        }

        return JsonNode.Parse(bytes) as JsonObject ?? throw new InvalidDataException("expected a JSON object");
    }

    // the binary message of a gradient: exactly the job's floats, every one finite (null: any length, dropped)
    private async Task<float[]> ReceiveFloatsAsync(int? count, CancellationToken stop)
    {
        var (type, bytes) = await ReceiveAsync(gateway.Settings.MaxMessageSize, stop).ConfigureAwait(false);
        if (type != WebSocketMessageType.Binary)
        {
            throw new InvalidDataException("expected the gradient as a binary message");
        }

        if (count is { } expected && bytes.Length != expected * sizeof(float))
        {
            throw new InvalidDataException($"a gradient of {bytes.Length} bytes; the job's model has {expected} floats ({expected * sizeof(float)} bytes)");
        }

        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private async Task<(WebSocketMessageType? Type, byte[] Bytes)> ReceiveAsync(int limit, CancellationToken stop)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(chunk, stop).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (null, []);
            }

            buffer.Write(chunk, 0, result.Count);
            if (buffer.Length > limit)
            {
                throw new InvalidDataException($"a message of more than {limit} bytes (edgetrain.gateway.max-message-size)");
            }

            if (result.EndOfMessage)
            {
                gateway.Counted(buffer.Length, 0);
                return (result.MessageType, buffer.ToArray());
            }
        }
    }
}
