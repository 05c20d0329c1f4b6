namespace EdgeTrain.Seed.Demo;

/// <summary>
/// One chaos kill's recovery in seconds from the SIGKILL: <paramref name="DetectedSeconds"/> when the
/// cluster first knew (<paramref name="DetectedBy"/>: the failure detector's unreachable, or a refused
/// connection to the dead process's port), <paramref name="DownedSeconds"/> when the node was removed
/// from the membership, <paramref name="ServingSeconds"/> when the last of its <paramref name="Slices"/>
/// answered again on another node. Null where that has not happened (yet).
/// </summary>
internal sealed record KillBreakdown(string Node, int[] Slices, double? DetectedSeconds, string? DetectedBy, double? DownedSeconds, double? ServingSeconds);
