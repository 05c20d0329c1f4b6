namespace EdgeTrain.Core.Jobs;

/// <summary>How a job's training set is split among the trainers that hold it.</summary>
public enum PartitioningKind
{
    /// <summary>Independent and identically distributed: a seeded shuffle dealt out evenly.</summary>
    Iid,

    /// <summary>Non-IID by label: each partition holds only a few classes.</summary>
    NonIidLabel,

    /// <summary>Text documents by a field (<see cref="DataSpec.Field"/>): eras of equal size by year, or parties.</summary>
    ByField,
}

/// <summary>Whether a job's training data may be copied to other nodes (<c>data.placement</c>).</summary>
public enum DataPlacement
{
    /// <summary>Private data: each trainer trains on its own partitions, which never leave it; cannot be replicated, so the robust rules defend the job.</summary>
    Local,

    /// <summary>Public data every trainer holds whole (the researcher's data handed to volunteers): work units can be computed by several nodes and voted on.</summary>
    Shared,
}

/// <summary>Where a job's data lives and how it is partitioned.</summary>
/// <param name="Dataset">Data set format; <c>mnist</c> (IDX files) for now.</param>
/// <param name="Path">Absolute path of the data folder (relative paths in job files are resolved against the job file's folder).</param>
/// <param name="Partitioning">How the training set is split among trainers.</param>
/// <param name="LabelsPerPartition">With <see cref="PartitioningKind.NonIidLabel"/>: classes per partition.</param>
/// <param name="Placement">Local (private partitions, the default) or shared (every trainer holds the whole set; work units with voting).</param>
public sealed record DataSpec(string Dataset, string Path, PartitioningKind Partitioning, int LabelsPerPartition, DataPlacement Placement = DataPlacement.Local)
{
    /// <summary>The images of MNIST in IDX files.</summary>
    public const string Mnist = "mnist";

    /// <summary>Text documents in JSON lines (<c>year</c>, <c>name</c>, <c>party</c>, <c>text</c>).</summary>
    public const string TextJsonl = "text-jsonl";

    /// <summary>With <see cref="PartitioningKind.ByField"/>: <c>year</c> (eras of equal size) or <c>party</c> (null otherwise).</summary>
    public string? Field { get; init; }
}
