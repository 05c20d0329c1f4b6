using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>
/// The aggregator's side of one secure round, as plain state. It routes the participants' encrypted
/// shares (it cannot read them), sums the masked vectors as they come (it never holds an unmasked one),
/// names the survivors U2 and the dropouts (those that shared, U1, but sent no vector), and from the
/// survivors' revealed shares recovers each survivor's self-mask seed and each dropout's mask key, which
/// remove the self masks and the dropouts' pair masks from the sum: what is left is the sum of the
/// survivors' fixed-point updates. A phase that ends with fewer than the threshold aborts the round.
/// </summary>
public sealed class SecureRound
{
    private readonly Dictionary<int, Dictionary<int, byte[]>> boxes = [];
    private readonly HashSet<int> masked = [];
    private readonly Dictionary<int, List<SecretShare>> selfShares = [];
    private readonly Dictionary<int, List<SecretShare>> maskShares = [];
    private readonly HashSet<int> revealed = [];
    private readonly uint[] sum;
    private int[] sharers = [];
    private int[] survivors = [];
    private int[] dropped = [];

    /// <summary>A round of <paramref name="roster"/> over updates of <paramref name="length"/> values.</summary>
    public SecureRound(SecureRoster roster, int length)
    {
        ArgumentNullException.ThrowIfNull(roster);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Roster = roster;
        sum = new uint[length];
    }

    /// <summary>The roster.</summary>
    public SecureRoster Roster { get; }

    /// <summary>Where the round stands.</summary>
    public SecurePhase Phase { get; private set; } = SecurePhase.Sharing;

    /// <summary>Why it aborted (null unless <see cref="SecurePhase.Aborted"/>).</summary>
    public string? AbortReason { get; private set; }

    /// <summary>Participants whose shares were collected (U1), once sharing closed.</summary>
    public IReadOnlyList<int> Sharers => sharers;

    /// <summary>Participants whose masked vectors are in the sum (U2), once masking closed.</summary>
    public IReadOnlyList<int> Survivors => survivors;

    /// <summary>Participants that shared but sent no masked vector (U1 \ U2), once masking closed.</summary>
    public IReadOnlyList<int> Dropped => dropped;

    /// <summary>Whether every participant has sent its shares.</summary>
    public bool AllShared => boxes.Count == Roster.Count;

    /// <summary>Whether every sharer has sent its masked vector.</summary>
    public bool AllMasked => masked.Count == sharers.Length;

    /// <summary>Whether every survivor has revealed its shares.</summary>
    public bool AllRevealed => revealed.Count == survivors.Length;

    /// <summary>Whether the revealed shares already recover every secret the sum needs.</summary>
    public bool CanFinish => Phase == SecurePhase.Unmasking
        && survivors.All(s => selfShares.GetValueOrDefault(s)?.Count >= Roster.Threshold)
        && dropped.All(d => maskShares.GetValueOrDefault(d)?.Count >= Roster.Threshold);

    /// <summary>
    /// Participant <paramref name="from"/>'s encrypted shares, one box per neighbour. Returns null when taken,
    /// else why not (nothing of it is kept).
    /// </summary>
    public string? AddShares(int from, IReadOnlyDictionary<int, byte[]> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        if (Refused(SecurePhase.Sharing, from, "shares") is { } problem)
        {
            return problem;
        }

        if (boxes.ContainsKey(from))
        {
            return $"participant {from} sent its shares twice";
        }

        var expected = Roster.Neighbours(from);
        if (shares.Count != expected.Count || !expected.All(shares.ContainsKey))
        {
            return $"participant {from} sent shares for [{string.Join(",", shares.Keys.Order())}]; expected one for each neighbour [{string.Join(",", expected)}]";
        }

        boxes[from] = new Dictionary<int, byte[]>(shares);
        return null;
    }

    /// <summary>Ends the sharing phase: the sharers are U1; aborts (returns the reason) when they are fewer than the threshold.</summary>
    public string? CloseSharing()
    {
        if (Phase != SecurePhase.Sharing)
        {
            return $"the round is {Phase}, not sharing";
        }

        sharers = [.. boxes.Keys.Order()];
        if (sharers.Length < Roster.Threshold)
        {
            return Abort($"{sharers.Length} of {Roster.Count} participants sent their shares; the threshold is {Roster.Threshold}");
        }

        Phase = SecurePhase.Masking;
        return null;
    }

    /// <summary>The boxes addressed to <paramref name="holder"/>, by sender (only from sharers).</summary>
    public Dictionary<int, byte[]> SharesFor(int holder)
    {
        var result = new Dictionary<int, byte[]>();
        foreach (var from in sharers)
        {
            if (boxes[from].TryGetValue(holder, out var box))
            {
                result[from] = box;
            }
        }

        return result;
    }

    /// <summary>Adds participant <paramref name="from"/>'s masked vector to the sum. Returns null when taken, else why not.</summary>
    public string? AddMasked(int from, ReadOnlySpan<uint> vector)
    {
        if (Refused(SecurePhase.Masking, from, "masked vector") is { } problem)
        {
            return problem;
        }

        if (!sharers.Contains(from))
        {
            return $"participant {from} sent a masked vector but no shares in time";
        }

        if (!masked.Add(from))
        {
            return $"participant {from} sent its masked vector twice";
        }

        if (vector.Length != sum.Length)
        {
            masked.Remove(from);
            return string.Create(CultureInfo.InvariantCulture, $"participant {from} sent {vector.Length} words; expected {sum.Length}");
        }

        Masking.Add(sum, vector);
        return null;
    }

    /// <summary>Ends the masking phase: names survivors and dropouts; aborts (returns the reason) when the survivors are fewer than the threshold.</summary>
    public string? CloseMasking()
    {
        if (Phase != SecurePhase.Masking)
        {
            return $"the round is {Phase}, not masking";
        }

        survivors = [.. masked.Order()];
        dropped = [.. sharers.Except(masked).Order()];
        if (survivors.Length < Roster.Threshold)
        {
            return Abort($"{survivors.Length} of {sharers.Length} participants sent their masked vectors; the threshold is {Roster.Threshold}");
        }

        Phase = SecurePhase.Unmasking;
        return null;
    }

    /// <summary>A survivor's revealed shares. Returns null when taken, else why not (nothing of it is kept).</summary>
    public string? AddReveal(int from, SecureReveal reveal)
    {
        ArgumentNullException.ThrowIfNull(reveal);
        if (Refused(SecurePhase.Unmasking, from, "shares for unmasking") is { } problem)
        {
            return problem;
        }

        if (!survivors.Contains(from) || !revealed.Add(from))
        {
            return survivors.Contains(from) ? $"participant {from} revealed its shares twice" : $"participant {from} is not a survivor";
        }

        foreach (var (owner, share) in reveal.SelfShares.Concat(reveal.MaskShares))
        {
            var wanted = reveal.SelfShares.ContainsKey(owner) ? survivors.Contains(owner) : dropped.Contains(owner);
            if (!wanted || share.X != Roster.ShareX(owner, from) || share.Y.Length != MaskStream.SeedBytes)
            {
                revealed.Remove(from);
                return $"participant {from} revealed a share of participant {owner} that it does not hold or that was not asked for";
            }
        }

        foreach (var (owner, share) in reveal.SelfShares)
        {
            (selfShares.TryGetValue(owner, out var list) ? list : selfShares[owner] = []).Add(share);
        }

        foreach (var (owner, share) in reveal.MaskShares)
        {
            (maskShares.TryGetValue(owner, out var list) ? list : maskShares[owner] = []).Add(share);
        }

        return null;
    }

    /// <summary>
    /// The survivors' sum (fixed-point words, modulo 2³²): the masked sum without the survivors' self masks and
    /// the dropouts' pair masks, each recovered from its shares. Null with the round aborted when a secret
    /// cannot be recovered (too few shares, or a dropout's key that the shares do not give back).
    /// </summary>
    public uint[]? Finish()
    {
        if (!CanFinish)
        {
            Abort(Phase == SecurePhase.Unmasking ? $"too few survivors revealed their shares to recover every mask (threshold {Roster.Threshold})" : $"the round is {Phase}, not unmasking");
            return null;
        }

        var seeds = survivors.Select(s => ShamirSharing.Combine(selfShares[s])).ToList();
        var pairs = new List<(int Survivor, int Dropped, byte[] Seed)>();
        foreach (var gone in dropped)
        {
            var d = ShamirSharing.Combine(maskShares[gone]);
            using var key = ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d });
            CryptographicOperations.ZeroMemory(d);
            if (!key.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(Roster.Keys[gone].Mask))
            {
                Abort($"the shares of participant {gone}'s mask key do not give back the key it advertised");
                return null;
            }

            foreach (var survivor in Roster.Neighbours(gone).Where(survivors.Contains))
            {
                using var theirs = ShareCipher.PublicKey(Roster.Keys[survivor].Mask, $"secure round {Roster.RoundId}");
                pairs.Add((survivor, gone, PairwiseSeeds.Derive(key, theirs, Roster.RoundId, gone, survivor)));
            }
        }

        var result = Masking.Unmask(sum, seeds, pairs);
        var mask = Roster.Quantiser.WordMask;
        for (var i = 0; i < result.Length; i++)
        {
            result[i] &= mask; // 16-bit words: the sum modulo 2¹⁶
        }

        Phase = SecurePhase.Finished;
        return result;
    }

    /// <summary>Ends the round without a sum.</summary>
    public string Abort(string reason)
    {
        Phase = SecurePhase.Aborted;
        AbortReason = reason;
        return reason;
    }

    /// <summary>The masked vector as the bytes a message carries: little-endian words of <paramref name="bits"/> (32, or 16: the low halves).</summary>
    public static byte[] ToBytes(ReadOnlySpan<uint> words, int bits = 32)
    {
        if (bits >= 32)
        {
            return MemoryMarshal.AsBytes(words).ToArray();
        }

        var halves = new ushort[words.Length];
        for (var i = 0; i < words.Length; i++)
        {
            halves[i] = (ushort)words[i];
        }

        return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
    }

    /// <summary>The words of a message's bytes of <paramref name="bits"/>-bit words; null when their length is not a whole number of words.</summary>
    public static uint[]? FromBytes(ReadOnlySpan<byte> bytes, int bits = 32)
    {
        if (bits >= 32)
        {
            return bytes.Length % sizeof(uint) == 0 ? MemoryMarshal.Cast<byte, uint>(bytes).ToArray() : null;
        }

        if (bytes.Length % sizeof(ushort) != 0)
        {
            return null;
        }

        var halves = MemoryMarshal.Cast<byte, ushort>(bytes);
        var words = new uint[halves.Length];
        for (var i = 0; i < halves.Length; i++)
        {
            words[i] = halves[i];
        }

        return words;
    }

    private string? Refused(SecurePhase phase, int from, string what) =>
        from < 0 || from >= Roster.Count ? $"participant {from} is not in the roster of {Roster.Count}"
        : Phase != phase ? $"{what} from participant {from} came while the round is {Phase}"
        : null;
}
