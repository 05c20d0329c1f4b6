namespace EdgeTrain.Core.Parameters;

/// <summary>What a shard does with a merged update.</summary>
public enum UpdateVerdictKind
{
    /// <summary>Apply it.</summary>
    Accept,

    /// <summary>Already applied: acknowledge it again, apply nothing.</summary>
    Duplicate,

    /// <summary>Malformed: refuse it for good.</summary>
    Reject,
}

/// <summary>The verdict on one merged update, with the reason when it is refused.</summary>
public readonly record struct UpdateVerdict(UpdateVerdictKind Kind, string? Reason)
{
    /// <summary>Apply it.</summary>
    public static UpdateVerdict Accept => new(UpdateVerdictKind.Accept, null);

    /// <summary>Already applied.</summary>
    public static UpdateVerdict Duplicate => new(UpdateVerdictKind.Duplicate, null);

    /// <summary>Refuse it because of <paramref name="reason"/>.</summary>
    public static UpdateVerdict Reject(string reason) => new(UpdateVerdictKind.Reject, reason);
}
