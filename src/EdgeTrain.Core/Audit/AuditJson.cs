using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EdgeTrain.Core.Audit;

/// <summary>
/// An exported audit log: JSON Lines, one entry a line, oldest first. Each line is an object with the
/// entry's fields under these names, all strings but <c>sequence</c> (a number): <c>sequence</c>,
/// <c>time</c> (as field 3 of <see cref="AuditEncoding"/> writes it), <c>who</c>, <c>action</c>,
/// <c>subject</c>, <c>detail</c>, <c>previousHash</c>, <c>signerKey</c>, <c>signerCertificate</c>,
/// <c>hash</c>, <c>signature</c>; and <c>damage</c> on a stand-in for a record the coordinator could not read.
/// The texts are exactly the fields the hash covers, so a line is all a verifier needs.
/// </summary>
public static class AuditJson
{
    // non-ASCII text stays readable; the file is data, never embedded in a page
    private static readonly JsonWriterOptions Compact = new() { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One line of the export for <paramref name="entry"/> (no line break).</summary>
    public static string Line(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Compact))
        {
            json.WriteStartObject();
            json.WriteNumber("sequence", entry.Sequence);
            json.WriteString("time", entry.Damage is null ? AuditEncoding.TimeText(entry.TimeUtc) : "");
            json.WriteString("who", entry.Who);
            json.WriteString("action", entry.Action);
            json.WriteString("subject", entry.Subject);
            json.WriteString("detail", entry.Detail);
            json.WriteString("previousHash", entry.PreviousHash);
            json.WriteString("signerKey", entry.SignerKey);
            json.WriteString("signerCertificate", entry.SignerCertificate);
            json.WriteString("hash", entry.Hash);
            json.WriteString("signature", entry.Signature);
            if (entry.Damage is { } damage)
            {
                json.WriteString("damage", damage);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// The entry line <paramref name="position"/> (1: the first) of an export holds; a line that is not such an
    /// object, or whose sequence number or time is not in canonical form, or that the coordinator marked
    /// damaged, becomes a stand-in (<see cref="AuditEntry.Unreadable"/>) that fails verification there.
    /// </summary>
    public static AuditEntry Read(string line, long position)
    {
        ArgumentNullException.ThrowIfNull(line);
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Unreadable(line, position, "it is not a JSON object");
            }

            if (root.TryGetProperty("damage", out var damage))
            {
                return Unreadable(line, position, damage.ValueKind == JsonValueKind.String ? damage.GetString()! : "marked damaged");
            }

            var sequence = root.TryGetProperty("sequence", out var number) && number.ValueKind == JsonValueKind.Number && number.TryGetInt64(out var value)
                ? AuditEncoding.SequenceText(value)
                : null;
            string?[] texts = [.. new[] { "time", "who", "action", "subject", "detail", "previousHash", "signerKey", "signerCertificate", "hash", "signature" }
                .Select(name => root.TryGetProperty(name, out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null)];
            if (sequence is null || texts.Any(t => t is null))
            {
                return Unreadable(line, position, "a field is missing or of the wrong kind");
            }

            var entry = AuditEncoding.FromFields([AuditEncoding.Format, sequence, .. texts!], out var problem);
            return entry ?? Unreadable(line, position, problem!);
        }
        catch (JsonException e)
        {
            return Unreadable(line, position, $"it is not JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // a string escape that is not UTF-16 (a lone surrogate)
            return Unreadable(line, position, $"a text is not valid: {e.Message}");
        }
    }

    private static AuditEntry Unreadable(string line, long position, string why) =>
        AuditEntry.Unreadable(position, Encoding.UTF8.GetBytes(line), $"line {position} of the export: {why}");
}
