using BenchmarkDotNet.Running;

namespace EdgeTrain.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release -- --filter '*'</c> (BenchmarkDotNet's command line).</summary>
public static class Program
{
    /// <summary>Runs the benchmarks the arguments select.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
