using System.Diagnostics;
using System.Globalization;

namespace EdgeTrain.Training.Memory;

/// <summary>
/// The process's peak resident memory (Linux: <c>VmHWM</c> in <c>/proc/self/status</c>, which
/// <see cref="Reset"/> sets back to the current size through <c>/proc/self/clear_refs</c>; elsewhere the
/// runtime's peak working set, which cannot be reset). libtorch's CPU allocator keeps no statistics of its
/// own, so the process's high-water mark is what a trainer can report of its memory.
/// </summary>
public static class PeakMemory
{
    private const string Status = "/proc/self/status";

    /// <summary>Starts a new high-water mark from the current resident size (where the system allows it); false when it cannot.</summary>
    public static bool Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The peak resident bytes since the start or the last <see cref="Reset"/>.</summary>
    public static long Bytes()
    {
        if (File.Exists(Status))
        {
            foreach (var line in File.ReadLines(Status))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal)
                    && long.TryParse(line["VmHWM:".Length..].Trim().Split(' ')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb))
                {
                    return kb * 1024;
                }
            }
        }

        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }
}
