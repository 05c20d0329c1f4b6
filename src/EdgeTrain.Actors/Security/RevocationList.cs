using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeTrain.Core;

namespace EdgeTrain.Actors.Security;

/// <summary>One revoked node certificate.</summary>
/// <param name="Serial">The certificate's serial number, hex (normalised: upper case, no leading zeros).</param>
/// <param name="NodeId">The node the certificate named (as far as the revoker knew it; may be empty).</param>
/// <param name="Reason">Why it was revoked, in the revoker's words.</param>
/// <param name="RevokedAt">When.</param>
/// <param name="By">Who revoked it (an operator, or the node that carried it out).</param>
public sealed record Revocation(string Serial, string NodeId, string Reason, DateTimeOffset RevokedAt, string By)
{
    /// <summary>The revocation as JSON: how it travels between nodes (an element of the replicated set).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, RevocationJson.Default.Revocation);

    /// <summary>Reads a revocation written by <see cref="ToJson"/>; null when it is not one.</summary>
    public static Revocation? FromJson(string json)
    {
        try
        {
            var revocation = JsonSerializer.Deserialize(json, RevocationJson.Default.Revocation);
            return revocation is { Serial.Length: > 0 } ? revocation with { Serial = RevocationList.Normalize(revocation.Serial) } : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// The certificates revoked in a cluster, by serial number: immutable, merged by union (a revoked
/// certificate stays revoked; the earliest revocation of a serial is kept). Kept by every node in
/// its identity folder (<see cref="Load"/>, <see cref="Save"/>) so that a restarted node refuses
/// revoked peers before it joins.
/// </summary>
public sealed class RevocationList
{
    /// <summary>The file name of the list in a node's identity folder.</summary>
    public const string DefaultFileName = "revocations.json";

    private readonly ImmutableDictionary<string, Revocation> bySerial;

    private RevocationList(ImmutableDictionary<string, Revocation> bySerial) => this.bySerial = bySerial;

    /// <summary>No revocations.</summary>
    public static RevocationList Empty { get; } = new(ImmutableDictionary.Create<string, Revocation>(StringComparer.Ordinal));

    /// <summary>How many certificates are revoked.</summary>
    public int Count => bySerial.Count;

    /// <summary>Every revocation, oldest first.</summary>
    public IReadOnlyList<Revocation> All => [.. bySerial.Values.OrderBy(r => r.RevokedAt).ThenBy(r => r.Serial, StringComparer.Ordinal)];

    /// <summary>A serial number as the list keys it: hex digits in upper case without leading zeros.</summary>
    /// <exception cref="InvalidInputException">it is not hex.</exception>
    public static string Normalize(string serial)
    {
        ArgumentNullException.ThrowIfNull(serial);
        var hex = serial.Replace(":", "", StringComparison.Ordinal).Trim().ToUpperInvariant();
        if (hex.Length == 0 || !hex.All(Uri.IsHexDigit))
        {
            throw new InvalidInputException("revocation", "serial", $"expected a certificate serial number in hex, found '{serial}'");
        }

        hex = hex.TrimStart('0');
        return hex.Length == 0 ? "0" : hex;
    }

    /// <summary>The revocation of <paramref name="serial"/>, or null.</summary>
    public Revocation? Find(string serial) => bySerial.TryGetValue(Normalize(serial), out var r) ? r : null;

    /// <summary>True when <paramref name="serial"/> is revoked.</summary>
    public bool Contains(string serial) => Find(serial) is not null;

    /// <summary>This list with <paramref name="revocation"/> (unchanged when its serial is revoked already, earlier).</summary>
    public RevocationList With(Revocation revocation)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        var normal = revocation with { Serial = Normalize(revocation.Serial) };
        return bySerial.TryGetValue(normal.Serial, out var known) && known.RevokedAt <= normal.RevokedAt
            ? this
            : new RevocationList(bySerial.SetItem(normal.Serial, normal));
    }

    /// <summary>The union of this list and <paramref name="revocations"/>.</summary>
    public RevocationList Merge(IEnumerable<Revocation> revocations)
    {
        ArgumentNullException.ThrowIfNull(revocations);
        return revocations.Aggregate(this, (list, r) => list.With(r));
    }

    /// <summary>Reads the list in <paramref name="path"/> (empty when the file does not exist).</summary>
    /// <exception cref="InvalidInputException">the file is not a revocation list.</exception>
    public static RevocationList Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return Empty;
        }

        try
        {
            var entries = JsonSerializer.Deserialize(File.ReadAllText(path), RevocationJson.Default.RevocationArray) ?? [];
            return Empty.Merge(entries);
        }
        catch (Exception e) when (e is JsonException or InvalidInputException)
        {
            throw new InvalidInputException(path, "", $"not a revocation list (a JSON array of {{serial, nodeId, reason, revokedAt, by}}): {e.Message}", e);
        }
    }

    /// <summary>Writes the list to <paramref name="path"/> (a new file moved over the old one).</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(All.ToArray(), RevocationJson.Default.RevocationArray));
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>System.Text.Json source generation for the revocation list (no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(Revocation))]
[JsonSerializable(typeof(Revocation[]))]
internal sealed partial class RevocationJson : JsonSerializerContext;
