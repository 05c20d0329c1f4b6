using System.Security.Cryptography;

namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>
/// A trainer's side of one secure round (Bonawitz et al. 2017, SecAgg+): fresh key pairs to advertise
/// (<see cref="Keys"/>); once the roster is fixed, its self-mask seed b and its mask key's private scalar
/// split into Shamir shares for its neighbours and itself, each neighbour's pair encrypted to it
/// (<see cref="Share"/>); its fixed-point update masked with b and with the pair masks of the neighbours
/// whose shares reached it (<see cref="Mask"/>); and the shares it holds, revealed for the survivors' b and
/// the dropped participants' keys, never both for one participant (<see cref="Reveal"/>). One instance
/// serves one round; its secrets never leave it but as shares.
/// </summary>
public sealed class SecureClient : IDisposable
{
    private readonly ECDiffieHellman cipherKey = PairwiseSeeds.NewKey();
    private readonly ECDiffieHellman maskKey = PairwiseSeeds.NewKey();
    private readonly byte[] selfSeed = RandomNumberGenerator.GetBytes(MaskStream.SeedBytes);
    private readonly Dictionary<int, (SecretShare Self, SecretShare Mask)> held = [];
    private SecureRoster? roster;
    private int self = -1;
    private HashSet<int>? sharers;
    private bool revealed;

    /// <summary>Creates the round's keys.</summary>
    public SecureClient() => Keys = new ParticipantKeys(cipherKey.PublicKey.ExportSubjectPublicKeyInfo(), maskKey.PublicKey.ExportSubjectPublicKeyInfo());

    /// <summary>The public keys to advertise.</summary>
    public ParticipantKeys Keys { get; }

    /// <summary>This trainer's index in the roster (−1 before it came).</summary>
    public int Index => self;

    /// <summary>The roster, once it came.</summary>
    public SecureRoster? Roster => roster;

    /// <summary>
    /// The roster is fixed and this trainer is <paramref name="index"/> in it: its secrets' shares, one
    /// encrypted box per neighbour (by index); its own share it keeps.
    /// </summary>
    /// <exception cref="InvalidInputException">the roster does not carry this trainer's keys at <paramref name="index"/>, or came twice.</exception>
    public Dictionary<int, byte[]> Share(SecureRoster roster, int index)
    {
        ArgumentNullException.ThrowIfNull(roster);
        var source = $"secure round {roster.RoundId}";
        if (this.roster is not null)
        {
            throw new InvalidInputException(source, "roster", "a second roster for the same round");
        }

        if (index < 0 || index >= roster.Count || !roster.Keys[index].SameAs(Keys))
        {
            throw new InvalidInputException(source, "roster", $"participant {index} does not carry this trainer's keys");
        }

        this.roster = roster;
        self = index;
        var holders = roster.Holders(index);
        var d = maskKey.ExportParameters(true).D!;
        try
        {
            var selfShares = ShamirSharing.Split(selfSeed, roster.Threshold, holders.Count);
            var maskShares = ShamirSharing.Split(d, roster.Threshold, holders.Count);
            var boxes = new Dictionary<int, byte[]>();
            for (var m = 0; m < holders.Count; m++)
            {
                if (holders[m] == index)
                {
                    held[index] = (selfShares[m], maskShares[m]);
                    continue;
                }

                var plain = Pack(selfShares[m], maskShares[m]);
                boxes[holders[m]] = ShareCipher.Seal(cipherKey, roster.Keys[holders[m]].Cipher, roster.RoundId, index, holders[m], plain);
                CryptographicOperations.ZeroMemory(plain);
            }

            return boxes;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(d);
        }
    }

    /// <summary>
    /// The masked vector of <paramref name="words"/> (the update in the roster's fixed point), given the
    /// boxes addressed to this trainer by the neighbours whose shares the aggregator collected (by sender):
    /// the pair masks are those of exactly these neighbours, whose shares it now holds.
    /// </summary>
    /// <exception cref="InvalidInputException">no roster yet, a box from a participant that is not a neighbour, or one that does not open.</exception>
    public uint[] Mask(ReadOnlySpan<uint> words, IReadOnlyDictionary<int, byte[]> boxes)
    {
        ArgumentNullException.ThrowIfNull(boxes);
        var r = roster ?? throw new InvalidInputException("secure round", "shares", "they came before the roster");
        var neighbours = r.Neighbours(self);
        sharers = [self];
        foreach (var (from, box) in boxes)
        {
            if (!neighbours.Contains(from))
            {
                throw new InvalidInputException($"secure round {r.RoundId}", $"shares from participant {from}", $"participant {from} is not a neighbour of {self}");
            }

            var plain = ShareCipher.Open(cipherKey, r.Keys[from].Cipher, r.RoundId, from, self, box);
            held[from] = Unpack(plain, r.ShareX(from, self), $"secure round {r.RoundId}", from);
            CryptographicOperations.ZeroMemory(plain);
            sharers.Add(from);
        }

        var pairSeeds = new Dictionary<int, byte[]>();
        foreach (var other in neighbours.Where(sharers.Contains))
        {
            using var theirs = ShareCipher.PublicKey(r.Keys[other].Mask, $"secure round {r.RoundId}");
            pairSeeds[other] = PairwiseSeeds.Derive(maskKey, theirs, r.RoundId, self, other);
        }

        return Masking.Mask(words, self, selfSeed, pairSeeds);
    }

    /// <summary>
    /// The shares this trainer holds, for unmasking: of the self seed of each of <paramref name="survivors"/>
    /// and of the mask key of each of <paramref name="dropped"/>. Refused (nothing revealed) when asked twice,
    /// when a participant is named in both lists, when this trainer is not among the survivors, or when the
    /// survivors are fewer than the threshold: each would let the aggregator unmask a single update.
    /// </summary>
    public SecureReveal Reveal(IReadOnlyCollection<int> survivors, IReadOnlyCollection<int> dropped)
    {
        ArgumentNullException.ThrowIfNull(survivors);
        ArgumentNullException.ThrowIfNull(dropped);
        var r = roster ?? throw new InvalidInputException("secure round", "unmask request", "it came before the roster");
        var source = $"secure round {r.RoundId}";
        if (revealed || sharers is null)
        {
            throw new InvalidInputException(source, "unmask request", revealed ? "a second request: shares are revealed once" : "it came before this trainer sent its masked vector");
        }

        if (survivors.Intersect(dropped).FirstOrDefault(-1) is var both and >= 0)
        {
            throw new InvalidInputException(source, "unmask request", $"participant {both} is named both survivor and dropped: revealing both of its secrets would unmask its update");
        }

        if (!survivors.Contains(self) || survivors.Count < r.Threshold)
        {
            throw new InvalidInputException(source, "unmask request", $"{survivors.Count} survivors{(survivors.Contains(self) ? string.Empty : " without this trainer")}; expected at least {r.Threshold} including it");
        }

        revealed = true;
        var selfShares = new Dictionary<int, SecretShare>();
        var maskShares = new Dictionary<int, SecretShare>();
        foreach (var (owner, shares) in held)
        {
            if (survivors.Contains(owner))
            {
                selfShares[owner] = shares.Self;
            }
            else if (dropped.Contains(owner))
            {
                maskShares[owner] = shares.Mask;
            }
        }

        return new SecureReveal(selfShares, maskShares);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(selfSeed);
        cipherKey.Dispose();
        maskKey.Dispose();
    }

    // x, |y|, y of the self share, then x, y of the mask share
    private static byte[] Pack(SecretShare selfShare, SecretShare maskShare)
    {
        var plain = new byte[2 + selfShare.Y.Length + 1 + maskShare.Y.Length];
        plain[0] = selfShare.X;
        plain[1] = (byte)selfShare.Y.Length;
        selfShare.Y.CopyTo(plain, 2);
        plain[2 + selfShare.Y.Length] = maskShare.X;
        maskShare.Y.CopyTo(plain, 3 + selfShare.Y.Length);
        return plain;
    }

    private static (SecretShare Self, SecretShare Mask) Unpack(byte[] plain, byte expectedX, string source, int from)
    {
        if (plain.Length < 3 || plain[1] + 3 > plain.Length || plain[0] != expectedX || plain[2 + plain[1]] != expectedX)
        {
            throw new InvalidInputException(source, $"shares from participant {from}", $"they are not this trainer's shares (expected x = {expectedX})");
        }

        var selfLength = plain[1];
        return (new SecretShare(plain[0], plain[2..(2 + selfLength)]), new SecretShare(plain[2 + selfLength], plain[(3 + selfLength)..]));
    }
}
