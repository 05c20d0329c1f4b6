using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Scheduling;
using static EdgeTrain.Actors.Jobs.AuditProtocol;

namespace EdgeTrain.Actors.Tests.Serialization;

public sealed class AuditEntrySerializerSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTime T0 = new(2026, 12, 3, 9, 0, 0, DateTimeKind.Utc);
    private readonly AuditSigner key = AuditSigner.Create();

    public AuditEntrySerializerSpec()
        : base(EdgeTrainConfig.ReferenceConfig)
    {
    }

    protected override void Dispose(bool disposing)
    {
        key.Dispose();
        base.Dispose(disposing);
    }

    private AuditEntry[] Entries()
    {
        var first = AuditChain.Introduce(AuditHead.Genesis, T0, key, "coordinator akka.tcp://edgetrain@127.0.0.1:4053", null);
        var second = AuditChain.Next(new AuditHead(1, first.Hash), T0.AddSeconds(1), new AuditNote("edgetrain-cmd (ipv4:127.0.0.1:5000)", "ops.cluster.down", "n", "cluster down -a 127.0.0.1:4054 ü🚀"), key);
        return [first, second];
    }

    [Fact]
    public void AuditAppended_is_journaled_in_the_documented_stored_form_and_reads_back_equal()
    {
        foreach (var entry in Entries())
        {
            var appended = new AuditAppended(entry);
            var serializer = Assert.IsType<AuditEntrySerializer>(Sys.Serialization.FindSerializerFor(appended));
            Assert.Equal(4713, serializer.Identifier);

            var bytes = serializer.ToBinary(appended);
            var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, serializer.Manifest(appended));

            Assert.Equal(AuditEncoding.Stored(entry), bytes);
            Assert.Equal(appended, back);
            Assert.Equal("AA1", serializer.Manifest(appended));
        }
    }

    [Fact]
    public void The_other_coordinator_events_stay_with_the_hyperion_adapter() =>
        Assert.IsType<HyperionSerializerAdapter>(Sys.Serialization.FindSerializerFor(new JobPaused("j", T0, "ops")));

    [Fact]
    public void A_damaged_record_reads_as_an_unreadable_stand_in_instead_of_throwing()
    {
        var serializer = (AuditEntrySerializer)Sys.Serialization.FindSerializerForType(typeof(AuditAppended));
        var bytes = serializer.ToBinary(new AuditAppended(Entries()[1]));
        bytes[2] ^= 0x40; // the length of the format field

        var back = Assert.IsType<AuditAppended>(serializer.FromBinary(bytes, "AA1"));
        var other = Assert.IsType<AuditAppended>(serializer.FromBinary(bytes, "XX"));

        Assert.NotNull(back.Entry.Damage);
        Assert.Equal(AuditActions.Unreadable, back.Entry.Action);
        Assert.Contains("its manifest 'XX' is not AA1", other.Entry.Damage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_audit_protocol_round_trips_through_the_hyperion_adapter()
    {
        object[] messages =
        [
            new AppendAudit("edgetrain-cmd (ipv4:127.0.0.1:5000)", "ops.cluster.leave", "akka.tcp://edgetrain@127.0.0.1:4053", "cluster leave"),
            new AuditRecorded(7, new string('a', 64)),
            new AuditRefused("command-line clients cannot append to the audit log"),
            new GetAuditLog(0, 20),
        ];
        foreach (var message in messages)
        {
            var serializer = Assert.IsType<HyperionSerializerAdapter>(Sys.Serialization.FindSerializerFor(message));
            Assert.Equal(message, Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, ""));
        }

        var log = Entries();
        var chunk = new AuditChunk(1, [.. log, AuditEntry.Unreadable(3, [1], "field 1 claims 9 bytes")], 3, log[1].Hash);
        var hyperion = Sys.Serialization.FindSerializerFor(chunk);
        var back = Assert.IsType<AuditChunk>(Sys.Serialization.Deserialize(hyperion.ToBinary(chunk), hyperion.Identifier, ""));

        Assert.Equal(chunk.Entries, back.Entries);
        Assert.Equal((chunk.From, chunk.Count, chunk.HeadHash), (back.From, back.Count, back.HeadHash));
        Assert.Equal(DateTimeKind.Utc, back.Entries[0].TimeUtc.Kind);
        Assert.True(AuditChain.Verify(back.Entries.Take(2), AuditTrust.Pinned([key.KeyId])).Ok);
        Assert.Equal("field 1 claims 9 bytes", back.Entries[2].Damage);
    }
}
