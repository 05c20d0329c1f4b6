using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EdgeTrain.Core.Audit;
using static EdgeTrain.Core.Tests.Audit.AuditChains;

namespace EdgeTrain.Core.Tests.Audit;

public sealed class AuditEncodingSpec : IDisposable
{
    private readonly AuditSigner key = AuditSigner.Create();

    public void Dispose() => key.Dispose();

    // the canonical bytes written from the documentation alone: big-endian lengths and UTF-8 texts
    private static byte[] ByTheDocument(params string[] fields)
    {
        var bytes = new List<byte>();
        foreach (var field in fields)
        {
            var text = Encoding.UTF8.GetBytes(field);
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)text.Length);
            bytes.AddRange(length);
            bytes.AddRange(text);
        }

        return [.. bytes];
    }

    [Fact]
    public void The_hash_and_signature_are_what_the_documentation_says()
    {
        var log = Build(key, 4);
        var e = log[3];

        var canonical = ByTheDocument(
            "edgetrain-audit-1", "4", "2026-12-03T09:00:03.0000000Z", e.Who, e.Action, e.Subject, e.Detail, log[2].Hash, key.PublicKey, "");

        Assert.Equal(canonical, AuditEncoding.Canonical(e));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(canonical)), e.Hash);

        // ECDSA over the hash is ECDSA with SHA-256 over the canonical bytes: any library verifies it so
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(e.SignerKey), out _);
        Assert.True(ecdsa.VerifyData(canonical, Convert.FromBase64String(e.Signature), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.Equal(64, Convert.FromBase64String(e.Signature).Length);
        Assert.Equal(key.KeyId, Convert.ToHexStringLower(SHA256.HashData(Convert.FromBase64String(key.PublicKey))));
    }

    [Fact]
    public void The_stored_record_is_the_canonical_bytes_then_hash_and_signature_and_reads_back_equal()
    {
        foreach (var e in Build(key, 7))
        {
            var stored = AuditEncoding.Stored(e);

            Assert.Equal([.. AuditEncoding.Canonical(e), .. ByTheDocument(e.Hash, e.Signature)], stored);
            Assert.Equal(e, AuditEncoding.Read(stored, 99));
        }
    }

    [Fact]
    public void The_time_keeps_every_tick_and_its_kind()
    {
        var time = new DateTime(2026, 12, 3, 9, 0, 0, DateTimeKind.Utc).AddTicks(1_234_567);
        var e = AuditChain.Next(AuditHead.Genesis, time, Notes[0], key);

        var back = AuditEncoding.Read(AuditEncoding.Stored(e), 0);

        Assert.Equal(time.Ticks, back.TimeUtc.Ticks);
        Assert.Equal(DateTimeKind.Utc, back.TimeUtc.Kind);
        Assert.Equal("2026-12-03T09:00:00.1234567Z", AuditEncoding.TimeText(back.TimeUtc));
    }

    public static TheoryData<string, string> NotCanonical => new()
    {
        { "03", "sequence number '03'" },
        { "+3", "sequence number '+3'" },
        { "-1", "sequence number '-1'" },
    };

    [Theory]
    [MemberData(nameof(NotCanonical))]
    public void A_sequence_number_not_written_canonically_is_unreadable(string sequence, string why)
    {
        var e = Build(key, 3)[2];
        var stored = ByTheDocument("edgetrain-audit-1", sequence, AuditEncoding.TimeText(e.TimeUtc), e.Who, e.Action, e.Subject, e.Detail, e.PreviousHash, e.SignerKey, "", e.Hash, e.Signature);

        var read = AuditEncoding.Read(stored, 3);

        Assert.Equal(3, read.Sequence);
        Assert.Contains(why, read.Damage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_cut_short_padded_or_not_utf8_is_unreadable_with_why()
    {
        var stored = AuditEncoding.Stored(Build(key, 2)[1]);
        var notUtf8 = (byte[])stored.Clone();
        notUtf8[4 + 17 + 4 + 1 + 4 + 28 + 4] = 0xFF; // the first byte of "who"

        Assert.Contains("field 12 claims", AuditEncoding.Read(stored.AsSpan(0, stored.Length - 3), 2).Damage, StringComparison.Ordinal);
        Assert.Contains("3 bytes follow the last field", AuditEncoding.Read([.. stored, 0, 0, 0], 2).Damage, StringComparison.Ordinal);
        Assert.Contains("field 4 is not UTF-8", AuditEncoding.Read(notUtf8, 2).Damage, StringComparison.Ordinal);
        Assert.Contains("the record ends before field 1", AuditEncoding.Read([], 2).Damage, StringComparison.Ordinal);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(notUtf8)), AuditEncoding.Read(notUtf8, 2).Hash);
    }

    [Fact]
    public void A_record_of_another_format_is_unreadable()
    {
        var e = Build(key, 1)[0];
        var stored = ByTheDocument("edgetrain-audit-2", "1", AuditEncoding.TimeText(e.TimeUtc), e.Who, e.Action, e.Subject, e.Detail, e.PreviousHash, e.SignerKey, "", e.Hash, e.Signature);

        Assert.Contains("not edgetrain-audit-1", AuditEncoding.Read(stored, 1).Damage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signature_whose_unused_base64_bits_changed_does_not_verify()
    {
        var log = Build(key, 2);
        var signature = log[1].Signature;
        Assert.EndsWith("==", signature, StringComparison.Ordinal);

        // the character before the padding carries 4 unused bits: flipping one keeps the bytes the same
        var last = signature[^3];
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var changed = signature[..^3] + alphabet[alphabet.IndexOf(last, StringComparison.Ordinal) ^ 1] + "==";
        Assert.Equal(Convert.FromBase64String(signature), Convert.FromBase64String(changed));

        var fault = AuditChain.Verify(With(log, 2, log[1] with { Signature = changed }), AuditTrust.Introduced).Fault;

        Assert.Equal((2L, AuditProblem.BadSignature), (fault?.Position, fault?.Problem));
    }
}
