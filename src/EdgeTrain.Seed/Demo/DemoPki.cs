using System.Globalization;
using EdgeTrain.Actors.Security;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Seed.Demo;

/// <summary>
/// The demo's cluster secured as a careful user would run it: a CA of its own in <c>RUN/ca</c>
/// (<c>edgetrain ca init</c>), the seed started with <c>--ca</c> (it issues its own certificate and runs the
/// enrolment listener), and every node enrolling with a one-time join token of its own into an identity
/// folder of its own (<c>RUN/identities/NODE</c>: the demo's nodes share one data folder); the live view
/// speaks to the seed with a client certificate the CA makes in memory.
/// </summary>
internal sealed class DemoPki : IDisposable
{
    private readonly CertificateAuthority ca;
    private readonly string runDir;
    private readonly int enrolPort;

    private DemoPki(CertificateAuthority ca, string runDir, int enrolPort)
    {
        this.ca = ca;
        this.runDir = runDir;
        this.enrolPort = enrolPort;
    }

    /// <summary>The CA's folder.</summary>
    public string CaFolder => ca.Folder;

    /// <summary>The CA's name and pin, for the live view.</summary>
    public string Describe => $"{ca.Name} (pin {ca.Pin}) in {ca.Folder}; enrolment on 127.0.0.1:{enrolPort}";

    /// <summary>Makes the CA in <c>RUN/ca</c>; nodes enrol on <paramref name="enrolPort"/>.</summary>
    public static DemoPki Create(string runDir, int enrolPort) =>
        new(CertificateAuthority.Init(Path.Combine(runDir, "ca"), "EdgeTrain demo CA"), runDir, enrolPort);

    /// <summary>The seed's switches: the CA folder and the enrolment port.</summary>
    public string[] SeedArgs() => ["--ca", ca.Folder, "--enroll-port", enrolPort.ToString(CultureInfo.InvariantCulture)];

    /// <summary>
    /// A node's switches: its own identity folder and a fresh one-time join token in a file (0600) naming
    /// the enrolment endpoint. A node restarted later finds its identity and leaves the token unused.
    /// </summary>
    public string[] NodeArgs(string node)
    {
        var tokens = Path.Combine(runDir, "tokens");
        Directory.CreateDirectory(tokens);
        var token = ca.CreateToken(ttl: TimeSpan.FromHours(1), endpoint: new Uri($"https://127.0.0.1:{enrolPort}"));
        var file = Path.Combine(tokens, node + ".token");
        var mode = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            mode.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // the token is a secret until used
        }

        using (var writer = new StreamWriter(file, mode))
        {
            writer.Write(token.Text + "\n");
        }

        return ["--identity", Path.Combine(runDir, "identities", node), "--enroll-file", file];
    }

    /// <summary>The live view's client certificate, made in memory.</summary>
    public ClientSecurity Client() => ClientSecurity.FromAuthority(ca);

    /// <inheritdoc />
    public void Dispose() => ca.Dispose();
}
