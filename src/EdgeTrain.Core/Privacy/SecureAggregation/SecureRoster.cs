namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>
/// Who takes part in one secure round (index = position in <paramref name="Keys"/>), fixed by the
/// aggregator once the round's trainers advertised their keys, and the round's parameters that follow
/// from their number: the SecAgg+ neighbourhood (<see cref="Degree"/> ≈ 2·log₂ n), the threshold
/// <see cref="Threshold"/> of the Shamir shares each trainer gives its neighbours and itself (a majority
/// of them, so no two disjoint sets of honest answers reach it), and the fixed-point encoding of the
/// updates (each value clipped to ±<paramref name="Range"/>).
/// </summary>
/// <param name="RoundId">Unique name of the round; binds every derived key and encrypted share to it.</param>
/// <param name="Keys">The participants' public keys, by index.</param>
/// <param name="Range">The bound of each update value's magnitude.</param>
/// <param name="WordBits">The fixed-point word width on the wire (32, or 16 after a quantising codec; see <see cref="FixedPoint.BitsFor"/>).</param>
public sealed record SecureRoster(string RoundId, ParticipantKeys[] Keys, double Range, int WordBits = 32)
{
    /// <summary>Participants.</summary>
    public int Count => Keys.Length;

    /// <summary>Neighbours per participant.</summary>
    public int Degree => Count <= 1 ? 0 : Masking.LogDegree(Count, 2);

    /// <summary>Shares (of the <see cref="Degree"/> + 1 each secret is split into) that recover a secret.</summary>
    public int Threshold => Count <= 1 ? 1 : ((Degree + 1) / 2) + 1;

    /// <summary>The updates' fixed-point encoding: no sum of <see cref="Count"/> of them wraps around.</summary>
    public FixedPoint Quantiser => new(Range, Math.Max(1, Count), WordBits);

    /// <summary>The neighbours of participant <paramref name="index"/>, whose pair masks it adds.</summary>
    public IReadOnlyList<int> Neighbours(int index) => Count <= 1 ? [] : Masking.Neighbours(index, Count, Degree);

    /// <summary>Who holds a share of <paramref name="index"/>'s secrets, in share order: its neighbours and itself.</summary>
    public IReadOnlyList<int> Holders(int index) => [.. Neighbours(index).Append(index).Order()];

    /// <summary>The x of the share of <paramref name="owner"/>'s secrets that <paramref name="holder"/> holds (0 when it holds none).</summary>
    public byte ShareX(int owner, int holder)
    {
        var position = Holders(owner).ToList().IndexOf(holder);
        return position < 0 ? (byte)0 : (byte)(position + 1);
    }
}
