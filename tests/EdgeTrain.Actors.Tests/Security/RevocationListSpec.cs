using EdgeTrain.Actors.Security;
using EdgeTrain.Core;
using EdgeTrain.Tests;

namespace EdgeTrain.Actors.Tests.Security;

public sealed class RevocationListSpec
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Serials_are_compared_without_case_colons_or_leading_zeros()
    {
        var list = RevocationList.Empty.With(new Revocation("00:0a:1B", "n1", "lost laptop", Noon, "ops"));

        Assert.True(list.Contains("A1B"));
        Assert.True(list.Contains("000a1b"));
        Assert.False(list.Contains("A1C"));
        Assert.Equal("A1B", list.All.Single().Serial);
    }

    [Fact]
    public void Merging_keeps_the_earliest_revocation_of_a_serial_and_is_a_union()
    {
        var early = new Revocation("A1", "n1", "first", Noon, "alice");
        var late = new Revocation("a1", "n1", "second", Noon.AddHours(1), "bob");
        var otherOne = new Revocation("B2", "n2", "other", Noon, "bob");

        var one = RevocationList.Empty.Merge([late, otherOne]);
        var two = RevocationList.Empty.Merge([early]);

        Assert.Equal("first", one.Merge(two.All).Find("A1")!.Reason);
        Assert.Equal("first", two.Merge(one.All).Find("A1")!.Reason);
        Assert.Equal(2, one.Merge(two.All).Count);
        Assert.Same(two, two.Merge([late]));
    }

    [Fact]
    public void The_list_survives_its_file_and_its_json_on_the_wire()
    {
        using var temp = new TempFolder();
        var path = temp.File("identity/revocations.json");
        var list = RevocationList.Empty.Merge([new Revocation("C3", "n3", "compromised", Noon, "ops"), new Revocation("D4", "", "by serial", Noon.AddMinutes(1), "ops")]);

        list.Save(path);
        var read = RevocationList.Load(path);

        Assert.Equal(list.All, read.All);
        Assert.Equal(list.All[0], Revocation.FromJson(list.All[0].ToJson()));
        Assert.Null(Revocation.FromJson("{not json"));
        Assert.Equal(0, RevocationList.Load(temp.File("missing.json")).Count);
    }

    [Fact]
    public void Bad_input_is_refused_with_what_was_expected()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("bad.json"), "{\"serial\": 1}");

        var file = Assert.Throws<InvalidInputException>(() => RevocationList.Load(temp.File("bad.json")));
        var serial = Assert.Throws<InvalidInputException>(() => RevocationList.Normalize("node-7"));

        Assert.Contains("not a revocation list", file.Message, StringComparison.Ordinal);
        Assert.Contains("serial number in hex", serial.Message, StringComparison.Ordinal);
    }
}
