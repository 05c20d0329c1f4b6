using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.Core.Tests.Security;

public sealed class RevocationListSpec : IDisposable
{
    private readonly TempFolder temp = new();
    private readonly ManualClock clock = new();
    private readonly CertificateAuthority ca;

    public RevocationListSpec() => ca = CertificateAuthority.Init(Path.Combine(temp.Path, "ca"), "test", clock);

    public void Dispose()
    {
        ca.Dispose();
        temp.Dispose();
    }

    /// <summary>A second seed with the same CA (a copy of its certificate and key) and a revocation file of its own.</summary>
    private CertificateAuthority SecondSeed()
    {
        var folder = Path.Combine(temp.Path, "second");
        Directory.CreateDirectory(folder);
        foreach (var file in new[] { CertificateAuthority.CertificateFile, CertificateAuthority.KeyFile })
        {
            File.Copy(Path.Combine(ca.Folder, file), Path.Combine(folder, file));
        }

        return CertificateAuthority.Load(folder, clock);
    }

    [Fact]
    public void A_revoked_certificate_is_in_the_list_by_serial_with_node_reason_and_time()
    {
        using var certificate = ca.IssueSelf("node-3", ["trainer"], TimeSpan.FromDays(90));
        using var kept = ca.IssueSelf("node-4", ["trainer"], TimeSpan.FromDays(90));

        var entry = ca.Revoke(certificate, "key leaked\twith a tab\nand a line break");
        var list = ca.Revocations();

        Assert.Equal(certificate.SerialNumber, entry.Serial);
        Assert.Equal("node-3", entry.NodeId);
        Assert.Equal("key leaked with a tab and a line break", entry.Reason);
        Assert.Equal(clock.GetUtcNow(), entry.RevokedAt);
        Assert.True(list.Contains(certificate));
        Assert.True(list.Contains(certificate.SerialNumber.ToLowerInvariant()));
        Assert.True(list.Contains(string.Join(':', certificate.SerialNumber.Chunk(2).Select(c => new string(c)))));
        Assert.False(list.Contains(kept));
        Assert.Equal(1, list.Count);
    }

    [Fact]
    public void Revoking_is_permanent_a_second_revocation_keeps_the_first_entry()
    {
        using var certificate = ca.IssueSelf("node-3", ["trainer"], TimeSpan.FromDays(90));
        var first = ca.Revoke(certificate, "first");
        clock.Advance(TimeSpan.FromHours(1));

        var second = ca.Revoke(certificate.SerialNumber, "node-3", "second");

        Assert.Equal("first", second.Reason);
        Assert.Equal(first.RevokedAt, second.RevokedAt);
        Assert.Equal(1, ca.Revocations().Count);
    }

    [Fact]
    public void The_list_persists_in_the_CA_folder_one_line_an_entry()
    {
        using var a = ca.IssueSelf("node-a", ["params"], TimeSpan.FromDays(90));
        using var b = ca.IssueSelf("node-b", ["params"], TimeSpan.FromDays(90));
        ca.Revoke(a, "retired");
        ca.Revoke(b.SerialNumber, "", "unknown holder");

        using var reloaded = CertificateAuthority.Load(ca.Folder, clock);
        var list = reloaded.Revocations();
        var lines = File.ReadAllLines(Path.Combine(ca.Folder, CertificateAuthority.RevokedFile));

        Assert.True(list.Contains(a) && list.Contains(b));
        Assert.Equal("", list.Find(b.SerialNumber)!.NodeId);
        Assert.StartsWith("#", lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith(a.SerialNumber + "\t", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void An_edited_line_of_the_file_is_refused_naming_the_file_and_line()
    {
        using var a = ca.IssueSelf("node-a", ["params"], TimeSpan.FromDays(90));
        ca.Revoke(a, "retired");
        var path = Path.Combine(ca.Folder, CertificateAuthority.RevokedFile);
        File.WriteAllText(path, File.ReadAllText(path).Replace("retired", "mistake", StringComparison.Ordinal));

        var refused = Assert.Throws<InvalidInputException>(ca.Revocations);

        Assert.Equal(path, refused.Source);
        Assert.Equal("line 2", refused.Key);
        Assert.Contains("not signed by this cluster's CA", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lists_merge_into_their_union_in_either_order()
    {
        using var second = SecondSeed();
        using var a = ca.IssueSelf("node-a", ["params"], TimeSpan.FromDays(90));
        using var b = ca.IssueSelf("node-b", ["params"], TimeSpan.FromDays(90));
        using var c = ca.IssueSelf("node-c", ["params"], TimeSpan.FromDays(90));
        ca.Revoke(a, "on the first seed");
        ca.Revoke(c, "on both, first seed");
        clock.Advance(TimeSpan.FromMinutes(1));
        second.Revoke(b, "on the second seed");
        second.Revoke(c, "on both, second seed");

        var one = ca.Revocations();
        var two = second.Revocations();
        var merged = one.Merge(two);
        var reversed = two.Merge(one);

        Assert.Equal(3, merged.Count);
        Assert.True(merged.Contains(a) && merged.Contains(b) && merged.Contains(c));
        Assert.Equal(merged.ToText(), reversed.ToText());
        Assert.Equal("on both, first seed", merged.Find(c.SerialNumber)!.Reason); // the earlier entry
        Assert.Same(merged, merged.Merge(one));
        Assert.Equal(merged.ToText(), RevocationList.Empty.Merge(merged).ToText());
    }

    [Fact]
    public void The_wire_form_reads_back_every_entry_checked_and_is_compact()
    {
        for (var i = 0; i < 10; i++)
        {
            using var certificate = ca.IssueSelf($"node-{i}", ["params"], TimeSpan.FromDays(90));
            ca.Revoke(certificate, "retired");
        }

        var list = ca.Revocations();
        var bytes = list.ToBytes();
        var read = RevocationList.FromBytes(bytes, ca.Certificate, "gossip from node-1");

        Assert.Equal(list.ToText(), read.ToText());
        Assert.InRange(bytes.Length, 10 * 90, 7 + (10 * 110));
        Assert.Equal(7, RevocationList.Empty.ToBytes().Length);
        Assert.Equal(0, RevocationList.FromBytes(RevocationList.Empty.ToBytes(), ca.Certificate, "x").Count);
    }

    [Fact]
    public void A_wire_entry_that_was_altered_is_refused_naming_its_serial()
    {
        using var certificate = ca.IssueSelf("node-1", ["params"], TimeSpan.FromDays(90));
        ca.Revoke(certificate, "retired");
        var bytes = ca.Revocations().ToBytes();
        var at = bytes.AsSpan().IndexOf("retired"u8);
        bytes[at] = (byte)'R';

        var refused = Assert.Throws<InvalidInputException>(() => RevocationList.FromBytes(bytes, ca.Certificate, "gossip from node-7"));

        Assert.Equal("gossip from node-7", refused.Source);
        Assert.Equal("entry 1", refused.Key);
        Assert.Contains(certificate.SerialNumber, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_signed_by_another_CA_is_refused()
    {
        using var other = CertificateAuthority.Init(Path.Combine(temp.Path, "other"), "other", clock);
        using var certificate = other.IssueSelf("node-1", ["params"], TimeSpan.FromDays(90));
        other.Revoke(certificate, "retired");

        var refused = Assert.Throws<InvalidInputException>(() => RevocationList.FromBytes(other.Revocations().ToBytes(), ca.Certificate, "gossip"));
        Assert.Contains("not signed by this cluster's CA", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wire_form_cut_short_is_refused()
    {
        using var certificate = ca.IssueSelf("node-1", ["params"], TimeSpan.FromDays(90));
        ca.Revoke(certificate, "retired");
        var bytes = ca.Revocations().ToBytes();

        for (var length = 0; length < bytes.Length; length += 7)
        {
            Assert.Throws<InvalidInputException>(() => RevocationList.FromBytes(bytes.AsSpan(0, length), ca.Certificate, "gossip"));
        }

        Assert.Throws<InvalidInputException>(() => RevocationList.FromBytes([.. bytes, 0], ca.Certificate, "gossip"));
    }

    [Fact]
    public void A_node_keeps_its_copy_in_its_identity_folder()
    {
        using var certificate = ca.IssueSelf("node-1", ["params"], TimeSpan.FromDays(90));
        var identity = IdentityFolder.InDataDirectory(Path.Combine(temp.Path, "node-data"));
        Assert.Equal(0, identity.ReadRevocations(ca.Certificate).Count);

        ca.Revoke(certificate, "retired");
        var received = RevocationList.FromBytes(ca.Revocations().ToBytes(), ca.Certificate, "gossip");
        identity.WriteRevocations(identity.ReadRevocations(ca.Certificate).Merge(received));

        Assert.True(identity.ReadRevocations(ca.Certificate).Contains(certificate));
    }
}
