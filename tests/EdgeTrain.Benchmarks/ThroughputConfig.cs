using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace EdgeTrain.Benchmarks;

/// <summary>Adds MB/s (of 1 MiB slices, decimal MB) and messages/s columns, from the mean time per message.</summary>
public sealed class ThroughputConfig : ManualConfig
{
    /// <summary>The two columns.</summary>
    public ThroughputConfig() =>
        AddColumn(
            new ThroughputColumn("MB/s", nanoseconds => Slice.Bytes / nanoseconds * 1_000),
            new ThroughputColumn("msg/s", nanoseconds => 1e9 / nanoseconds));

    private sealed class ThroughputColumn(string name, Func<double, double> perMessage) : IColumn
    {
        public string Id => $"{nameof(ThroughputColumn)}.{name}";

        public string ColumnName => name;

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => $"{name} from the mean time per message (1 MiB of floats each)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
            summary[benchmarkCase]?.ResultStatistics is { Mean: > 0 } statistics
                ? perMessage(statistics.Mean).ToString("N0", CultureInfo.InvariantCulture)
                : "-";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
