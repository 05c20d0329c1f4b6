using System.Globalization;
using EdgeTrain.Core.Parameters;

namespace EdgeTrain.Actors.Jobs;

/// <summary>Where the coordinator's node keeps a job's files, under its data folder.</summary>
public static class JobFiles
{
    /// <summary>A finished job's model: <c>{data-dir}/jobs/{jobId}/model.bin</c>.</summary>
    public static string ModelPath(string dataDirectory, string jobId) => Path.Combine(dataDirectory, "jobs", jobId, "model.bin");

    /// <summary>Checkpoint <paramref name="id"/> of a job: <c>{data-dir}/jobs/{jobId}/checkpoints/{id}.ckpt</c>.</summary>
    public static string CheckpointPath(string dataDirectory, string jobId, long id) =>
        Path.Combine(dataDirectory, "jobs", jobId, "checkpoints", id.ToString(CultureInfo.InvariantCulture) + CheckpointFile.Extension);
}
