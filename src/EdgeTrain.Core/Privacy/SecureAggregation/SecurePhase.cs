namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>Where a secure round stands on the aggregator.</summary>
public enum SecurePhase
{
    /// <summary>The roster is out; the participants' encrypted shares are collected.</summary>
    Sharing,

    /// <summary>Shares were forwarded; the masked vectors are summed as they come.</summary>
    Masking,

    /// <summary>Survivors and dropouts were named; their shares are collected.</summary>
    Unmasking,

    /// <summary>The survivors' sum was recovered.</summary>
    Finished,

    /// <summary>Too few participants were left; nothing of the round is merged.</summary>
    Aborted,
}
