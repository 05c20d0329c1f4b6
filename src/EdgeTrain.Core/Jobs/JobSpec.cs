using EdgeTrain.Core.Optimizers;

namespace EdgeTrain.Core.Jobs;

/// <summary>
/// A validated, immutable training job: what to train, on which data, with which optimizer, and
/// when to stop. Read from a HOCON job file (<c>hocon/jobs/*.conf</c>); the same spec drives the
/// single-process baseline and the cluster.
/// </summary>
/// <param name="Name">Job name: letters, digits, '-' and '_' (it becomes part of entity ids and folder names).</param>
/// <param name="Model">Model to train.</param>
/// <param name="Data">Training and test data.</param>
/// <param name="Optimizer">Optimizer used by the trainers.</param>
/// <param name="BatchSize">Samples per training step.</param>
/// <param name="MaxEpochs">Upper bound on passes over the training data.</param>
/// <param name="TargetAccuracy">Test accuracy in (0, 1] at which the job stops.</param>
/// <param name="TimeLimit">Wall-clock limit after which the job stops.</param>
/// <param name="SliceFloats">Largest number of floats in one parameter slice.</param>
/// <param name="Seed">Seed for initialisation, shuffling and partitioning.</param>
/// <param name="LocalSteps">
/// Steps a trainer takes between contributions. 1: asynchronous SGD — the trainer sends its
/// gradient and the shards apply <paramref name="Optimizer"/>. More: the trainer runs
/// <paramref name="Optimizer"/> locally for that many steps, sends θ_start − θ_end, and the
/// shards apply <paramref name="OuterOptimizer"/> (DiLoCo-style).
/// </param>
/// <param name="OuterOptimizer">The shards' optimizer when <paramref name="LocalSteps"/> &gt; 1 (default: DiLoCo's Nesterov momentum, learning rate 0.7, momentum 0.9).</param>
/// <param name="Communication">Codecs of contributions and merged updates, error feedback and the merge rule (default: dense, see <see cref="CommunicationSpec.Dense"/>).</param>
/// <param name="Priority">The scheduler's priority: a higher one takes trainers first and may preempt a lower one (default 0; <c>submit --priority</c> overrides it).</param>
/// <param name="MinTrainers">Trainers the job needs: it starts only when the scheduler can hold this many for it, and is preempted rather than run with fewer.</param>
/// <param name="MaxTrainers">Trainers the job takes at most (0: as many as are free).</param>
/// <param name="LocalTimeBudget">
/// With <paramref name="LocalSteps"/> &gt; 1, how long a trainer takes local steps in one round: it stops
/// once this much time has passed since its first step of the round (at least 1 step, at most
/// <paramref name="LocalSteps"/>), so a faster node trains more samples a round and every trainer
/// contributes after about the same time. <see cref="TimeSpan.Zero"/> (the default): off, always
/// <paramref name="LocalSteps"/> steps.
/// </param>
/// <param name="Redundancy">
/// With <see cref="DataPlacement.Shared"/> data: work units computed by several nodes and voted on
/// (null: the job's data is local, or shared without voting).
/// </param>
/// <param name="Privacy">Differential privacy and secure aggregation (null: neither).</param>
public sealed record JobSpec(
    string Name,
    ModelSpec Model,
    DataSpec Data,
    OptimizerSpec Optimizer,
    int BatchSize,
    int MaxEpochs,
    double TargetAccuracy,
    TimeSpan TimeLimit,
    int SliceFloats,
    int Seed,
    int LocalSteps = 1,
    ShardOptimizerSpec? OuterOptimizer = null,
    CommunicationSpec? Communication = null,
    int Priority = 0,
    int MinTrainers = 1,
    int MaxTrainers = 0,
    TimeSpan LocalTimeBudget = default,
    RedundancySpec? Redundancy = null,
    PrivacySpec? Privacy = null)
{
    /// <summary>
    /// Activation recomputation on the trainers (<c>memory.recompute = on</c>): only each segment's input is kept
    /// through the forward pass and the segments are run again during backward — memory for time.
    /// </summary>
    public bool Recompute { get; init; }

    /// <summary>A language model's target: validation bits per character at which it stops (0: none; classifiers stop at <see cref="TargetAccuracy"/>).</summary>
    public double TargetLoss { get; init; }

    /// <summary>A language model's training steps between evaluations (0: a classifier, evaluated every epoch).</summary>
    public int EvaluateEvery { get; init; }

    /// <summary>The job's codecs and merge rule (dense float32 and the nodes' merge count when not given).</summary>
    public CommunicationSpec Wire => Communication ?? CommunicationSpec.Dense;

    /// <summary>
    /// Whether a trainer that has taken <paramref name="taken"/> local steps of a round in
    /// <paramref name="elapsed"/> takes another: always until 1 step, never beyond
    /// <see cref="LocalSteps"/>, and with a <see cref="LocalTimeBudget"/> only while
    /// <paramref name="elapsed"/> is below it.
    /// </summary>
    public bool TakesAnotherLocalStep(int taken, TimeSpan elapsed) =>
        taken < 1 || (taken < LocalSteps && (LocalTimeBudget <= TimeSpan.Zero || elapsed < LocalTimeBudget));

    /// <summary>
    /// The optimizer the parameter shards apply merged updates with: with one local step the job's
    /// own optimizer (SGD without momentum → SGD; SGD with momentum → Nesterov momentum; Adam →
    /// Adam); with several, <see cref="OuterOptimizer"/> (or averaging: SGD with learning rate 1).
    /// </summary>
    public ShardOptimizerSpec ShardOptimizer => LocalSteps > 1
        ? OuterOptimizer ?? new ShardOptimizerSpec(ShardOptimizerKind.Nesterov, 0.7f, 0.9f)
        : Optimizer.Kind switch
        {
            OptimizerKind.Adam => new ShardOptimizerSpec(ShardOptimizerKind.Adam, (float)Optimizer.LearningRate, WeightDecay: (float)Optimizer.WeightDecay),
            _ when Optimizer.Momentum > 0 => new ShardOptimizerSpec(ShardOptimizerKind.Nesterov, (float)Optimizer.LearningRate, (float)Optimizer.Momentum, WeightDecay: (float)Optimizer.WeightDecay),
            _ => new ShardOptimizerSpec(ShardOptimizerKind.Sgd, (float)Optimizer.LearningRate, WeightDecay: (float)Optimizer.WeightDecay),
        };
}
