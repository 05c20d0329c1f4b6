using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core;
using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Actors.Tests.Jobs;

/// <summary><c>data.placement</c> and <c>redundancy.*</c>: voting only where data may be shared, with an odd number of replicas.</summary>
public sealed class JobSpecReaderRedundancySpec
{
    private static JobSpec Parse(string extra) => TinyJobFile.Parse(TinyJobFile.Minimal, extra);

    private static InvalidInputException Refused(string extra) => TinyJobFile.Refused(TinyJobFile.Minimal, extra);

    [Fact]
    public void The_shipped_shared_job_votes_with_three_replicas()
    {
        var spec = JobSpecReader.Load(EdgeTrain.Tests.RepoPaths.Of("hocon", "jobs", "mnist-mlp-shared.conf"));

        Assert.Equal(DataPlacement.Shared, spec.Data.Placement);
        Assert.Equal(new RedundancySpec(3, 0.1), spec.Redundancy);
        Assert.Equal(EdgeTrain.Tests.RepoPaths.Mnist, spec.Data.Path);
    }

    [Fact]
    public void Data_is_local_by_default_and_local_data_has_no_redundancy()
    {
        var spec = Parse("");

        Assert.Equal(DataPlacement.Local, spec.Data.Placement);
        Assert.Null(spec.Redundancy);
    }

    [Fact]
    public void Shared_data_is_voted_on_with_three_replicas_and_spot_checks_by_default()
    {
        Assert.Equal(new RedundancySpec(3, 0.1), Parse("data.placement = shared").Redundancy);
        Assert.Equal(new RedundancySpec(5, 0.25), Parse("data.placement = shared\nredundancy { replicas = 5, spot-check-rate = 0.25 }").Redundancy);
        Assert.Equal(DataPlacement.Shared, Parse("data.placement = shared").Data.Placement);
    }

    [Fact]
    public void Redundancy_with_local_data_is_refused_because_private_data_cannot_be_replicated()
    {
        var e = Refused("redundancy.replicas = 3");

        Assert.Equal("job.redundancy.replicas", e.Key);
        Assert.Contains("cannot be replicated", e.Message);
        Assert.Contains("jobs/tiny.conf", e.Message);
    }

    [Fact]
    public void An_even_or_non_positive_number_of_replicas_is_refused()
    {
        var even = Refused("data.placement = shared\nredundancy.replicas = 4");
        Assert.Equal("job.redundancy.replicas", even.Key);
        Assert.Contains("odd", even.Message);
        Assert.Contains("tie", even.Message);
        Assert.Equal("job.redundancy.replicas", Refused("data.placement = shared\nredundancy.replicas = 0").Key);
        Assert.Equal("job.redundancy.spot-check-rate", Refused("data.placement = shared\nredundancy.spot-check-rate = 1.5").Key);
    }

    [Fact]
    public void Shared_data_refuses_a_robust_rule_and_a_local_time_budget()
    {
        Assert.Equal("job.aggregation.rule", Refused("data.placement = shared\nmin-trainers = 3\naggregation { rule = median, merge-count = trainers }").Key);
        Assert.Equal("job.local-time-budget", Refused("data.placement = shared\nlocal-steps = 4\nlocal-time-budget = 1s").Key);
        Assert.Equal("job.data.placement", Refused("data.placement = everywhere").Key);
    }
}
