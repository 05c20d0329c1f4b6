namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>
/// A survivor's answer to the unmasking request: the shares it holds of each surviving owner's self-mask
/// seed (<paramref name="SelfShares"/>) and of each dropped owner's mask key (<paramref name="MaskShares"/>),
/// by owner index — never both kinds for one owner.
/// </summary>
public sealed record SecureReveal(Dictionary<int, SecretShare> SelfShares, Dictionary<int, SecretShare> MaskShares);
