using Akka.Actor;
using Akka.Event;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Core.Security;
using EdgeTrain.Training.Data;
using EdgeTrain.Training.Local;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;
using EdgeTrain.Training.Text;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;
using static TorchSharp.torch;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// Scores a job's current parameters on its held-out test set: pulls every slice from the shards,
/// loads them into a model of its own, and measures accuracy — a language model's bits per character on the
/// held-out tail of every document, with a short sample of its text; on request it also saves the model
/// (TorchSharp's format, encrypted with the node's storage key when one is configured:
/// <see cref="ModelFile"/>). A child of the coordinator, on a pinned thread of its own.
/// </summary>
public sealed class EvaluatorActor : ReceiveActor
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly IActorRef shards;
    private readonly TimeSpan timeout;
    private readonly StorageKey? key;
    private readonly Dictionary<string, (nn.Module<Tensor, Tensor> Model, FlatParameterView View, MnistSet? Test, HeldOutText? HeldOut)> jobs = new(StringComparer.Ordinal);

    /// <summary>
    /// Creates the evaluator pulling from <paramref name="shards"/>, each slice within <paramref name="timeout"/>;
    /// it saves models encrypted with <paramref name="key"/> when it is given.
    /// </summary>
    public EvaluatorActor(IActorRef shards, TimeSpan timeout, StorageKey? key = null)
    {
        this.shards = shards;
        this.timeout = timeout;
        this.key = key;
        Receive<Evaluate>(Start);
        Receive<Pulled>(Score);
        // a pull that failed (a slice recovering on another node) comes back here; pass it on
        Receive<EvaluationFailed>(failed => Sender.Tell(failed));
        Receive<Forget>(f =>
        {
            if (jobs.Remove(f.JobId, out var job))
            {
                job.Model.Dispose();
            }
        });
    }

    /// <summary>Props for the evaluator; <paramref name="key"/>: the node's storage key, or null.</summary>
    public static Props Props(IActorRef shards, TimeSpan timeout, StorageKey? key = null) =>
        Akka.Actor.Props.Create(() => new EvaluatorActor(shards, timeout, key)).WithDispatcher("edgetrain.training.dispatcher");

    /// <inheritdoc />
    protected override void PostStop()
    {
        foreach (var job in jobs.Values)
        {
            job.Model.Dispose();
        }
    }

    private void Start(Evaluate request)
    {
        var replyTo = Sender;
        var pulls = Enumerable.Range(0, request.SliceLengths.Length)
            .Select(i => shards.Ask<object>(new PullSlice(request.JobId, i, -1), timeout))
            .ToArray();
        Task.WhenAll(pulls).PipeTo(Self, replyTo,
            replies => new Pulled(request, replies),
            e => new EvaluationFailed(request.JobId, $"pulling the slices failed: {e.GetBaseException().Message}"));
    }

    private void Score(Pulled pulled)
    {
        var request = pulled.Request;
        try
        {
            if (!jobs.TryGetValue(request.JobId, out var job))
            {
                var model = ModelFactory.Create(request.Spec.Model, request.Spec.Seed);
                job = request.Spec.Data.Dataset == DataSpec.TextJsonl
                    ? (model, new FlatParameterView(model), null, HeldOutText.Of(request.Spec, request.Partitions))
                    : (model, new FlatParameterView(model), MnistLoader.LoadTest(request.Spec.Data.Path), null);
                jobs[request.JobId] = job;
            }

            var plan = new SlicePlan(ModelLayout.Of(request.Spec.Model).SliceLengths(request.Spec.SliceFloats));
            var flat = new float[plan.TotalFloats];
            long versions = 0;
            foreach (var reply in pulled.Replies)
            {
                if (reply is not SliceData data)
                {
                    Sender.Tell(new EvaluationFailed(request.JobId, $"a slice answered {reply.GetType().Name}"));
                    return;
                }

                plan.CopyInto(flat, data.Slice, data.Values);
                versions += data.Version;
            }

            job.View.CopyFrom(flat);
            var scored = job.HeldOut is { } heldOut ? Language(request.Spec, job.Model, heldOut) : new Evaluated(request.JobId, Evaluator.Accuracy(job.Model, job.Test!, CPU), versions, null);
            string? saved = null;
            if (request.SaveModelTo is { } path)
            {
                ModelFile.Save(job.Model, path, key);
                saved = path;
            }

            Sender.Tell(scored with { JobId = request.JobId, VersionSum = versions, SavedModel = saved });
        }
        catch (Exception e) when (e is IOException or ArgumentException or EdgeTrain.Core.InvalidInputException)
        {
            log.Error("evaluating {0} failed: {1}", request.JobId, e.Message);
            Sender.Tell(new EvaluationFailed(request.JobId, e.Message));
        }
    }

    // bits per character on the global held-out text and on each partition's, and what the model writes after the corpus's usual opening
    private static Evaluated Language(JobSpec spec, nn.Module<Tensor, Tensor> model, HeldOutText heldOut)
    {
        var context = spec.Model.Transformer!.Context;
        var bits = TextEvaluator.BitsPerCharacter(model, heldOut.Global, context, CPU, TextEvaluator.ValidationBytes);
        var partitions = heldOut.Partitions.Select(p => TextEvaluator.BitsPerCharacter(model, p, context, CPU, TextEvaluator.ValidationBytes / 4)).ToArray();
        var sample = TextGenerator.Continue(model, TextGenerator.Opening, 120, context, 0.8, spec.Seed, CPU);
        return new Evaluated(spec.Name, double.NaN, 0, null) { BitsPerCharacter = bits, PartitionBits = partitions, Sample = sample };
    }

    /// <summary>Scores a job; with <paramref name="SaveModelTo"/> also saves the model there.</summary>
    public sealed record Evaluate(string JobId, JobSpec Spec, int[] SliceLengths, string? SaveModelTo)
    {
        /// <summary>The job's data partitions (a language model is also scored on each one's held-out text; 0: only globally).</summary>
        public int Partitions { get; init; }
    }

    /// <summary>The job's accuracy now (NaN for a language model), with the sum of its slices' versions (a progress measure).</summary>
    public sealed record Evaluated(string JobId, double Accuracy, long VersionSum, string? SavedModel)
    {
        /// <summary>A language model's validation bits per character (NaN for a classifier).</summary>
        public double BitsPerCharacter { get; init; } = double.NaN;

        /// <summary>A language model's text after the corpus's usual opening (null for a classifier).</summary>
        public string? Sample { get; init; }

        /// <summary>A language model's bits per character on each partition's held-out text (an era's, a party's), by partition.</summary>
        public double[] PartitionBits { get; init; } = [];
    }

    /// <summary>Evaluation could not be done.</summary>
    public sealed record EvaluationFailed(string JobId, string Reason);

    /// <summary>Drops the evaluator's model of a finished job.</summary>
    public sealed record Forget(string JobId);

    private sealed record Pulled(Evaluate Request, object[] Replies);
}
