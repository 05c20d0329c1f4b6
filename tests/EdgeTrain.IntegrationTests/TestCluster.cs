using System.Globalization;
using System.Text.Json;
using EdgeTrain.Tests;

namespace EdgeTrain.IntegrationTests;

/// <summary>Helpers for tests that run a cluster of real processes.</summary>
internal static class TestCluster
{
    public static int FreePort() => LoopbackPorts.Free();

    /// <summary>Writes a small MLP job on the shipped MNIST data into <paramref name="folder"/>.</summary>
    public static string SmallJob(string folder, string name, double target, int hidden = 64, string? dataPath = null)
    {
        var path = Path.Combine(folder, name + ".conf");
        var data = (dataPath ?? RepoPaths.Mnist).Replace("\\", "/", StringComparison.Ordinal);
        File.WriteAllText(path, $$"""
            job {
              name = {{name}}
              model { type = mlp, hidden = [{{hidden}}] }
              data.path = "{{data}}"
              optimizer { type = adam, learning-rate = 0.002 }
              batch-size = 64
              target-accuracy = {{target.ToString(CultureInfo.InvariantCulture)}}
              time-limit = 3m
              slice-floats = 16384
            }
            """);
        return path;
    }

    /// <summary>The last line of a program's output, parsed as JSON.</summary>
    public static JsonElement LastJson(string output)
    {
        var line = output.TrimEnd().Split('\n')[^1];
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    /// <summary>Sends a POSIX signal (STOP, CONT, KILL) to a process.</summary>
    public static void Signal(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", $"-{signal} {pid.ToString(CultureInfo.InvariantCulture)}");
        kill!.WaitForExit();
    }
}
