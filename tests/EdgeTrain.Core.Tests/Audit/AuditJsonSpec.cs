using System.Text.Json;
using EdgeTrain.Core.Audit;
using static EdgeTrain.Core.Tests.Audit.AuditChains;

namespace EdgeTrain.Core.Tests.Audit;

public sealed class AuditJsonSpec : IDisposable
{
    private readonly AuditSigner key = AuditSigner.Create();

    public void Dispose() => key.Dispose();

    [Fact]
    public void An_exported_log_reads_back_equal_and_verifies()
    {
        var log = Build(key, 9);

        var lines = log.Select(AuditJson.Line).ToList();
        var back = lines.Select((line, i) => AuditJson.Read(line, i + 1)).ToList();

        Assert.Equal(log, back);
        Assert.True(AuditChain.Verify(back, AuditTrust.Introduced).Ok);
        Assert.All(lines, line => Assert.DoesNotContain('\n', line));
        Assert.Contains("«ünïcode» 任务", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_holds_the_fields_by_name_with_the_canonical_time()
    {
        var e = Build(key, 2)[1];

        using var json = JsonDocument.Parse(AuditJson.Line(e));
        var root = json.RootElement;

        Assert.Equal(2, root.GetProperty("sequence").GetInt64());
        Assert.Equal("2026-12-03T09:00:01.0000000Z", root.GetProperty("time").GetString());
        Assert.Equal((e.Who, e.Action, e.Subject, e.Detail), (root.GetProperty("who").GetString(), root.GetProperty("action").GetString(), root.GetProperty("subject").GetString(), root.GetProperty("detail").GetString()));
        Assert.Equal((e.PreviousHash, e.SignerKey, "", e.Hash, e.Signature), (root.GetProperty("previousHash").GetString(), root.GetProperty("signerKey").GetString(),
            root.GetProperty("signerCertificate").GetString(), root.GetProperty("hash").GetString(), root.GetProperty("signature").GetString()));
        Assert.False(root.TryGetProperty("damage", out _));
    }

    [Fact]
    public void A_changed_text_in_an_export_is_named_by_verify()
    {
        var lines = Build(key, 5).Select(AuditJson.Line).ToList();
        lines[1] = lines[1].Replace("was running", "was stopped", StringComparison.Ordinal);

        var fault = AuditChain.Verify(lines.Select((line, i) => AuditJson.Read(line, i + 1)), AuditTrust.Introduced).Fault;

        Assert.Equal((2L, AuditProblem.HashMismatch), (fault?.Position, fault?.Problem));
    }

    [Theory]
    [InlineData("", "it is not JSON")]
    [InlineData("[1,2]", "it is not a JSON object")]
    [InlineData("{\"sequence\":\"3\"}", "a field is missing or of the wrong kind")]
    [InlineData("{\"sequence\":3,\"damage\":\"field 4 is not UTF-8\"}", "field 4 is not UTF-8")]
    public void A_line_that_is_no_entry_stands_in_as_unreadable_at_its_place(string line, string why)
    {
        var read = AuditJson.Read(line, 3);

        Assert.Equal(3, read.Sequence);
        Assert.StartsWith("line 3 of the export: ", read.Damage, StringComparison.Ordinal);
        Assert.Contains(why, read.Damage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_time_not_written_canonically_is_unreadable()
    {
        var line = AuditJson.Line(Build(key, 2)[1]).Replace("09:00:01.0000000Z", "09:00:01Z", StringComparison.Ordinal);

        Assert.Contains("its time '2026-12-03T09:00:01Z'", AuditJson.Read(line, 2).Damage, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreadable_entry_is_exported_with_why_and_stays_unreadable()
    {
        var stand = AuditEntry.Unreadable(4, [9, 9], "field 2 claims 900 bytes, but 3 are left");

        var back = AuditJson.Read(AuditJson.Line(stand), 4);

        Assert.Equal(AuditProblem.Unreadable, AuditChain.Verify([.. Build(key, 3), back], AuditTrust.Introduced).Fault?.Problem);
        Assert.Contains("field 2 claims 900 bytes", back.Damage, StringComparison.Ordinal);
    }
}
