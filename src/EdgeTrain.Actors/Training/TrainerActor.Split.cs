using Akka.Actor;
using Akka.Event;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Split;
using static EdgeTrain.Actors.Split.SplitProtocol;

namespace EdgeTrain.Actors.Training;

/// <summary>
/// A split job's data node (<c>model.split</c>): the trainer holds only its own layers (the bottom up to the cut, and the
/// last layer in the U-shape) and pulls and contributes only their slices. A round's local steps are exchanges with the
/// job's split-server, one batch each: the cut's activations go out (with the labels when the loss is on the server),
/// in the U-shape the server's output comes back for the last layer and the loss and its gradient goes out, and the
/// activations' gradient comes back and is back-propagated here. Nothing else about a batch leaves the node. A step the
/// server does not answer within <c>split-step-timeout</c>, or answers "not ready", begins again on the next batch; so does
/// a step whose split-server has gone (the trainer watches the entity that answered it last: when its node dies, the next
/// step goes at once to the entity that sharding starts on another node).
/// </summary>
public sealed partial class TrainerActor
{
    private readonly IActorRef splitServers;
    private readonly SplitLayout? split;
    private SplitClient? splitClient;
    private ITensorCodec? splitCodec;
    private long splitStep;
    private int splitTaken;
    private int splitUsed;
    private TimeSpan splitBegan;
    private IActorRef? splitServer;

    private void ReceiveSplitSteps()
    {
        Receive<SplitHidden>(SplitHead);
        Receive<SplitGradient>(SplitBack);
        Receive<SplitNotReady>(n =>
        {
            if (n.Step == splitStep && splitClient is { Pending: true })
            {
                log.Debug("trainer {0}: split-server not ready for step {1} ({2}); again in {3}", start.JobId, n.Step, n.Reason, settings.NotReadyRetry);
                splitClient.Abandon();
                Timers.StartSingleTimer(nameof(SplitStepAgain), new SplitStepAgain(n.Step), settings.NotReadyRetry);
            }
        });
        Receive<SplitRefused>(r =>
        {
            if (r.Step == splitStep && splitClient is { Pending: true })
            {
                log.Error("trainer {0}: the split-server refused step {1}: {2}; beginning it again", start.JobId, r.Step, r.Reason);
                splitClient.Abandon();
                Timers.StartSingleTimer(nameof(SplitStepAgain), new SplitStepAgain(r.Step), settings.NotReadyRetry);
            }
        });
        Receive<SplitStepAgain>(again =>
        {
            if (again.Step == splitStep)
            {
                SplitStep();
            }
        });
        Receive<SplitStepTimeout>(t =>
        {
            if (t.Step == splitStep && splitClient is { Pending: true })
            {
                log.Warning("trainer {0}: the split-server did not answer step {1} within {2}; beginning it again", start.JobId, t.Step, settings.SplitStepTimeout);
                splitClient.Abandon();
                SplitStep();
            }
        });
    }

    // the slices are pulled: local steps with the split-server, then the contribution of this node's layers
    private void BeginSplitRound(TimeSpan began)
    {
        splitCodec ??= TensorCodecs.For(split!.Split.Codec);
        view!.CopyFrom(current);
        splitTaken = 0;
        splitUsed = 0;
        splitBegan = began;
        SplitStep();
    }

    // a step begins: the bottom on the next batch, its activations (and with the loss on the server, its labels) out
    private void SplitStep()
    {
        optimizer!.zero_grad();
        float[] activations;
        using (var rows = batches!.Next())
        {
            activations = splitClient!.Begin(batches.Inputs, batches.Targets, rows);
        }

        var payload = splitCodec!.Encode(activations);
        var labels = split!.Split.Labels == SplitLabels.Server ? splitClient.Labels() : null;
        splitServers.Tell(new SplitForward(start.JobId, ++splitStep, splitClient.Rows, payload, labels), Self);
        bytesSent += payload.Length + (labels?.Length ?? 0);
        Timers.StartSingleTimer(nameof(SplitStepTimeout), new SplitStepTimeout(splitStep), settings.SplitStepTimeout);
    }

    // U-shape: the server's output through the last layer and the loss; its gradient back
    private void SplitHead(SplitHidden hidden)
    {
        if (hidden.Step != splitStep || splitClient is not { Pending: true } client)
        {
            return;
        }

        WatchSplitServer();
        bytesPulled += hidden.Hidden.Length;
        if (!TensorCodecs.TryDecode(hidden.Hidden, client.Rows * split!.TopWidth, $"split-server's output for step {hidden.Step}", out var values, out var problem))
        {
            log.Error("trainer {0}: {1}; beginning the step again", start.JobId, problem);
            client.Abandon();
            SplitStep();
            return;
        }

        var (gradient, loss) = client.Head(values);
        AddLoss(loss);
        var payload = splitCodec!.Encode(gradient);
        splitServers.Tell(new SplitHiddenGradient(start.JobId, hidden.Step, payload), Self);
        bytesSent += payload.Length;
        Timers.StartSingleTimer(nameof(SplitStepTimeout), new SplitStepTimeout(splitStep), settings.SplitStepTimeout);
    }

    // the activations' gradient: back through the bottom, the optimizer steps; the next step, or the round's contribution
    private void SplitBack(SplitGradient gradient)
    {
        if (gradient.Step != splitStep || splitClient is not { Pending: true } client)
        {
            return;
        }

        Timers.Cancel(nameof(SplitStepTimeout));
        WatchSplitServer();
        bytesPulled += gradient.Gradient.Length;
        var rows = client.Rows;
        if (!TensorCodecs.TryDecode(gradient.Gradient, rows * split!.CutWidth, $"split-server's gradient for step {gradient.Step}", out var values, out var problem))
        {
            log.Error("trainer {0}: {1}; beginning the step again", start.JobId, problem);
            client.Abandon();
            SplitStep();
            return;
        }

        client.End(values);
        AddLoss(gradient.Loss);
        splitTaken++;
        splitUsed += rows;
        var spec = start.Spec;
        if (spec.LocalSteps > 1)
        {
            optimizer!.step();
            if (spec.TakesAnotherLocalStep(splitTaken, Now - splitBegan))
            {
                SplitStep();
                return;
            }

            // update = θ_start − θ_end of this node's layers
            view!.CopyTo(update);
            for (var i = 0; i < update!.Length; i++)
            {
                update[i] = current[i] - update[i];
            }
        }
        else
        {
            view!.CopyGradientsTo(update);
        }

        samples += splitUsed;
        Contribute(splitUsed);
        busy += Now - splitBegan;
        Pull();
    }

    // the entity that answers this trainer's steps: watched, so that its node's death begins the step under way again at once
    private void WatchSplitServer()
    {
        if (Sender.Equals(splitServer))
        {
            return;
        }

        if (splitServer is not null)
        {
            Context.Unwatch(splitServer);
        }

        splitServer = Sender;
        Context.Watch(splitServer);
    }

    private void SplitServerGone(IActorRef gone)
    {
        if (!gone.Equals(splitServer))
        {
            return;
        }

        splitServer = null;
        if (splitClient is { Pending: true })
        {
            log.Warning("trainer {0}: the split-server of step {1} is gone; beginning the step again", start.JobId, splitStep);
            splitClient.Abandon();
            SplitStep();
        }
    }

    private sealed record SplitStepTimeout(long Step);

    private sealed record SplitStepAgain(long Step);
}
