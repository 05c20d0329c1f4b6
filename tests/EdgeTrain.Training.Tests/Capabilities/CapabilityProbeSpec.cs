using EdgeTrain.Core.Membership;
using EdgeTrain.Tests;
using EdgeTrain.Training.Capabilities;
using Xunit.Abstractions;

namespace EdgeTrain.Training.Tests.Capabilities;

public sealed class CapabilityProbeSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void Probing_this_machine_finds_torch_and_measures_it()
    {
        using var folder = new TempFolder();

        var c = CapabilityProbe.Probe(folder.Path, Budget, torchDisabled: false);
        output.WriteLine(CapabilityScore.Describe(c));

        Assert.Equal(Environment.ProcessorCount, c.Cores);
        Assert.True(c.MemoryBytes > 0);
        Assert.True(c.TorchAvailable, c.TorchError);
        Assert.Null(c.TorchError);
        Assert.True(c.MatmulGflops > 0);
        Assert.True(c.FreeDiskBytes > 0);
        Assert.False(string.IsNullOrWhiteSpace(c.OperatingSystem));
        Assert.Equal(c.CudaAvailable, c.CudaDevices > 0);
        Assert.Contains(CapabilityScore.TrainerRole, CapabilityScore.DefaultRoles(c));
    }

    [Fact]
    public void Probing_creates_a_missing_data_folder()
    {
        using var folder = new TempFolder();
        var data = Path.Combine(folder.Path, "node", "data");

        var c = CapabilityProbe.Probe(data, TimeSpan.Zero, torchDisabled: false);

        Assert.True(Directory.Exists(data));
        Assert.True(c.FreeDiskBytes > 0);
        Assert.True(c.MatmulGflops > 0);
    }

    [Fact]
    public void With_torch_disabled_the_probe_reports_no_torch_and_why()
    {
        using var folder = new TempFolder();

        var c = CapabilityProbe.Probe(folder.Path, Budget, torchDisabled: true);

        Assert.False(c.TorchAvailable);
        Assert.Equal("disabled by EDGETRAIN_DISABLE_TORCH=1", c.TorchError);
        Assert.False(c.CudaAvailable);
        Assert.Equal(0, c.CudaDevices);
        Assert.Equal(0, c.MatmulGflops);
        Assert.Equal(Environment.ProcessorCount, c.Cores);
        Assert.True(c.MemoryBytes > 0);
        Assert.True(c.FreeDiskBytes > 0);
        Assert.Equal(0, CapabilityScore.ForTrainer(c));
        Assert.DoesNotContain(CapabilityScore.TrainerRole, CapabilityScore.DefaultRoles(c));
    }

    [Fact]
    public void Without_torch_carries_the_given_reason()
    {
        using var folder = new TempFolder();

        var c = CapabilityProbe.WithoutTorch(folder.Path, "started with --no-torch");

        Assert.False(c.TorchAvailable);
        Assert.Equal("started with --no-torch", c.TorchError);
        Assert.Equal(0, c.MatmulGflops);
        Assert.True(c.FreeDiskBytes > 0);
    }

    [Fact]
    public void A_negative_budget_is_refused()
    {
        using var folder = new TempFolder();

        Assert.Throws<ArgumentOutOfRangeException>(() => CapabilityProbe.Probe(folder.Path, TimeSpan.FromSeconds(-1)));
    }
}
