using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core;
using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Actors.Tests.Jobs;

/// <summary>The smallest valid job files, and reading them with a few keys more, for the job file specs.</summary>
internal static class TinyJobFile
{
    /// <summary>Only the required keys.</summary>
    public const string Minimal = """
        job {
          name = tiny
          model.type = mlp
          data.path = "data/mnist"
          optimizer { type = sgd, learning-rate = 0.05 }
          batch-size = 32
          target-accuracy = 0.9
        }
        """;

    /// <summary>Synchronous rounds of every trainer of a region, with 5 trainers reserved: what robust rules and secure aggregation need.</summary>
    public static readonly string InRounds = Minimal.Replace(
        "target-accuracy = 0.9", "target-accuracy = 0.9\n  min-trainers = 5\n  aggregation { merge-count = trainers, wait-for-merge = on }", StringComparison.Ordinal);

    /// <summary><paramref name="job"/> with <paramref name="extra"/> keys added, read as <c>jobs/tiny.conf</c>.</summary>
    public static JobSpec Parse(string job, string extra) =>
        JobSpecReader.Parse(job.Replace("batch-size = 32", "batch-size = 32\n" + extra, StringComparison.Ordinal), "jobs/tiny.conf", "/base");

    /// <summary>The refusal of <paramref name="job"/> with <paramref name="extra"/> keys added.</summary>
    public static InvalidInputException Refused(string job, string extra) => Assert.Throws<InvalidInputException>(() => Parse(job, extra));
}
