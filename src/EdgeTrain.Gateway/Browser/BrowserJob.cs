using System.Diagnostics;
using EdgeTrain.Core.Codecs;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Gateway.Browser;

/// <summary>
/// One job of a browser tab, kept on its gateway: the pull in flight (every slice asked for, the model assembled
/// as they come), the job's encoder with its error feedback, and the tab's counters. Thread-safe.
/// </summary>
internal sealed class BrowserJob
{
    private readonly object gate = new();
    private readonly SliceEncoder encoder;
    private readonly int[] offsets;
    private readonly int[] lengths;
    private readonly float[] model;
    private readonly long[] versions;
    private readonly bool[] have;
    private StartTraining start;
    private bool pulling;
    private long pullStarted;
    private long samples;
    private long contributions;
    private long bytesSent;
    private long bytesPulled;
    private double loss = double.NaN;

    public BrowserJob(StartTraining start)
    {
        this.start = start;
        lengths = start.SliceLengths;
        offsets = new int[lengths.Length];
        for (var i = 1; i < lengths.Length; i++)
        {
            offsets[i] = offsets[i - 1] + lengths[i - 1];
        }

        TotalFloats = lengths.Sum();
        model = new float[TotalFloats];
        versions = new long[lengths.Length];
        have = new bool[lengths.Length];
        encoder = new SliceEncoder(start.Spec.Wire.TrainerToAggregator, start.Spec.Wire.ErrorFeedback, lengths);
    }

    public string Id => start.JobId;

    public int TotalFloats { get; }

    /// <summary>Takes the partitions of <paramref name="again"/>; the encoder and the counters stay.</summary>
    public void Reassign(StartTraining again)
    {
        lock (gate)
        {
            start = again;
        }
    }

    /// <summary>The pulls of a new round (none while one is in flight).</summary>
    public IReadOnlyList<PullSlice> BeginPull()
    {
        lock (gate)
        {
            if (pulling)
            {
                return [];
            }

            pulling = true;
            Array.Clear(have);
            pullStarted = Stopwatch.GetTimestamp();
            return [.. Enumerable.Range(0, lengths.Length).Select(i => new PullSlice(Id, i, -1))];
        }
    }

    /// <summary>Takes a slice of the round in flight; the whole model with its versions when it was the last one.</summary>
    public (long[] Versions, float[] Values)? Received(SliceData data)
    {
        lock (gate)
        {
            if (!pulling || data.Slice < 0 || data.Slice >= lengths.Length || have[data.Slice] || data.Values.Length != lengths[data.Slice])
            {
                return null;
            }

            data.Values.CopyTo(model, offsets[data.Slice]);
            versions[data.Slice] = data.Version;
            have[data.Slice] = true;
            bytesPulled += data.Values.Length * sizeof(float);
            if (have.Any(h => !h))
            {
                return null;
            }

            pulling = false;
            return ((long[])versions.Clone(), (float[])model.Clone());
        }
    }

    /// <summary>The slices of a round in flight longer than <paramref name="timeout"/>, asked again.</summary>
    public IReadOnlyList<PullSlice> Overdue(TimeSpan timeout)
    {
        lock (gate)
        {
            if (!pulling || Stopwatch.GetElapsedTime(pullStarted) < timeout)
            {
                return [];
            }

            pullStarted = Stopwatch.GetTimestamp();
            return [.. Enumerable.Range(0, lengths.Length).Where(i => !have[i]).Select(i => new PullSlice(Id, i, -1))];
        }
    }

    /// <summary>
    /// The tab's gradient of <paramref name="rows"/> examples on the model of <paramref name="at"/>, cut into slices and
    /// encoded with the job's codec: one contribution per slice. None when it is not finite or does not fit the model.
    /// </summary>
    public IReadOnlyList<Contribution> Contribute(float[] gradient, long[] at, int rows, double batchLoss)
    {
        if (at.Length != lengths.Length || gradient.Length != TotalFloats || rows <= 0 || !gradient.All(float.IsFinite))
        {
            return [];
        }

        lock (gate)
        {
            var made = new List<Contribution>(lengths.Length);
            for (var i = 0; i < lengths.Length; i++)
            {
                var payload = encoder.Encode(i, gradient.AsSpan(offsets[i], lengths[i]));
                bytesSent += payload.Length;
                made.Add(new Contribution(Id, start.Region, i, at[i], rows, payload));
            }

            samples += rows;
            contributions += made.Count;
            loss = double.IsFinite(batchLoss) ? batchLoss : loss;
            return made;
        }
    }

    /// <summary>The tab's running totals as a trainer reports them.</summary>
    public TrainerProgress Progress(string address)
    {
        lock (gate)
        {
            return new TrainerProgress(Id, address, start.Region, samples, loss, contributions, bytesSent, 0, 0, bytesPulled);
        }
    }
}
