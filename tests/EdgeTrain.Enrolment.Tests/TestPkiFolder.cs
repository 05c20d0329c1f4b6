using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.Enrolment.Tests;

/// <summary>A clock the tests set: starts at a whole second near now, moves only when told.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}

/// <summary>A cluster CA in a temporary folder, with what the enrolment specs need around it.</summary>
internal sealed class TestPkiFolder : IDisposable
{
    private readonly TempFolder temp = new();

    public TestPkiFolder(TimeProvider? time = null)
    {
        Ca = CertificateAuthority.Init(CaFolder, "enrolment test CA", time);
    }

    public CertificateAuthority Ca { get; }

    public string CaFolder => Path.Combine(temp.Path, "ca");

    public string Root => temp.Path;

    /// <summary>The identity folder of a node named <paramref name="name"/>.</summary>
    public IdentityFolder Node(string name) => IdentityFolder.InDataDirectory(Path.Combine(temp.Path, name));

    /// <summary>The lines of the CA's used-tokens file.</summary>
    public string[] UsedTokens()
    {
        var path = Path.Combine(CaFolder, CertificateAuthority.UsedTokensFile);
        return File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0).ToArray() : [];
    }

    public void Dispose()
    {
        Ca.Dispose();
        temp.Dispose();
    }
}
