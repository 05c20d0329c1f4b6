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
    int Seed);
