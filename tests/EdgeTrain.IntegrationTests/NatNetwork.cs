using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// A home network behind a NAT router, made of Linux network namespaces, for tests of a node that can dial out
/// to the cluster but cannot be dialled: the host (this test's namespace, where the seed runs) is the Internet,
/// a <c>router</c> namespace is the home router, a <c>home</c> namespace is the device.
/// <code>
/// host 10.231.N.1/30 ──veth── 10.231.N.2/30 router 192.168.N.1/24 ──veth── 192.168.N.2/24 home
/// </code>
/// <list type="bullet">
/// <item>home: default route via 192.168.N.1.</item>
/// <item>router: default route via 10.231.N.1, <c>net.ipv4.ip_forward=1</c>, and
/// <c>iptables -t nat -A POSTROUTING -s 192.168.N.0/24 -o UPLINK -j MASQUERADE</c>: home's connections to the
/// host arrive there from 10.231.N.2 (<see cref="HomePublicAddress"/>), as from a home router's public address.</item>
/// <item>Nothing reaches the home unasked: the router drops every new connection that comes in on its uplink
/// (<c>iptables -A FORWARD -i UPLINK -m conntrack --ctstate NEW -j DROP</c>), as a home router without port
/// forwards does. The host routes 192.168.N.0/24 to the router so that a connection attempt to
/// <see cref="HomeAddress"/> ends there, silently: its SYNs go unanswered and it times out, as one to a private
/// address over the Internet does. (Without that route the host's default route takes it; on some machines,
/// such as sandboxes with a catch-all proxy, that connects to something that never answers.)</item>
/// <item>The home reaches the host and nothing beyond it: the host does not forward, so the home has no DNS
/// and no Internet. Use IP addresses.</item>
/// </list>
/// Names carry this process's id and a counter (several networks may exist at once); N is a free third octet.
/// Commands inside the namespaces run through <c>nsenter --net=</c>, not <c>ip netns exec</c> or <c>ip -n</c>:
/// inside build.sh's Debian 13 userland (a chroot whose <c>/</c> is no mount point) those fail with
/// <c>"mount --make-rslave /" failed: Invalid argument</c>. Needs root, <c>ip</c> (iproute2), <c>iptables</c>
/// (Debian's nf_tables backend) and <c>nsenter</c> (util-linux); build.sh installs iptables in its userland and
/// .ci/run on the host. When the test run's mount namespace ends (build.sh's userland), the namespaces and
/// their links go with it; otherwise <see cref="Dispose"/> deletes them, and a new network deletes what a
/// crashed run with its names left behind.
/// </summary>
internal sealed class NatNetwork : IDisposable
{
    /// <summary>Where <c>ip netns add</c> puts its namespaces (iproute2's NETNS_RUN_DIR).</summary>
    private const string NamespaceFolder = "/var/run/netns";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    // the programs a network needs: name, a harmless argument, Debian's package
    private static readonly (string Program, string Probe, string Package)[] Tools =
        [("ip", "-V", "iproute2"), ("iptables", "--version", "iptables"), ("nsenter", "--version", "util-linux")];
    private static readonly object Gate = new();
    private static int instances;

    private readonly string hostLink;
    private readonly string routerUplink;
    private readonly string routerLan;
    private readonly string homeLink;
    private int disposed;

    /// <summary>Makes the namespaces, links, routes and NAT rules.</summary>
    /// <exception cref="InvalidOperationException">not root, a tool is missing (the message names it), or a command failed.</exception>
    public NatNetwork()
    {
        if (!Available(out var why))
        {
            throw new InvalidOperationException($"cannot make a NAT network of namespaces here: {why}");
        }

        var number = Interlocked.Increment(ref instances);
        var tag = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId:x}n{number:x}");
        RouterNamespace = "edgetrain-router-" + tag;
        HomeNamespace = "edgetrain-home-" + tag;
        // interface names have at most 15 characters: "et" + at most 6 + 1 + 2 hex digits + 1
        hostLink = $"et{tag}h";
        routerUplink = $"et{tag}u";
        routerLan = $"et{tag}r";
        homeLink = $"et{tag}l";
        lock (Gate)
        {
            Delete();
            Subnet = FreeSubnet(number);
            try
            {
                Build();
            }
            catch
            {
                Delete();
                throw;
            }
        }
    }

    /// <summary>N, this network's third octet (10.231.N.0/30 and 192.168.N.0/24).</summary>
    public int Subnet { get; }

    /// <summary>The host's end of the link to the router (10.231.N.1): where programs on the host bind and are reached from the home.</summary>
    public string HostAddress => Address("10.231.{0}.1");

    /// <summary>The router's public address (10.231.N.2): where the home's connections come from, as the host sees them.</summary>
    public string HomePublicAddress => Address("10.231.{0}.2");

    /// <summary>The home device's private address (192.168.N.2): where programs in the home bind; the host cannot reach it.</summary>
    public string HomeAddress => Address("192.168.{0}.2");

    /// <summary>The router's network namespace (<c>ip netns</c> name).</summary>
    public string RouterNamespace { get; }

    /// <summary>The home's network namespace (<c>ip netns</c> name).</summary>
    public string HomeNamespace { get; }

    /// <summary>
    /// True where a network can be made: Linux, root, and <c>ip</c>, <c>iptables</c> and <c>nsenter</c> run;
    /// otherwise false and <paramref name="why"/> names what is missing. The constructor throws with that reason.
    /// </summary>
    public static bool Available(out string why)
    {
        var missing = new List<string>();
        if (!OperatingSystem.IsLinux())
        {
            why = "network namespaces need Linux";
            return false;
        }

        if (!Environment.IsPrivilegedProcess)
        {
            missing.Add("root (network namespaces, veth links and iptables rules need it; the tests run as root in CI)");
        }

        foreach (var (program, probe, package) in Tools)
        {
            if (!Runs(program, probe))
            {
                missing.Add($"{program} (Debian's {package} package; build.sh installs it in its Debian 13 userland, .ci/run on the host)");
            }
        }

        why = missing.Count == 0 ? "" : "missing " + string.Join("; ", missing);
        return missing.Count == 0;
    }

    /// <summary>The words that run a command inside the home namespace: <c>nsenter --net=/var/run/netns/HOME --</c>, then the command.</summary>
    public IReadOnlyList<string> HomeCommandPrefix() => ["nsenter", $"--net={NamespaceFolder}/{HomeNamespace}", "--"];

    /// <summary>Starts one of the programs (as <see cref="ProgramProcess.Start"/> does) inside the home namespace.</summary>
    public ProgramProcess StartInHome(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null) =>
        ProgramProcess.Start(program, args, environment, HomeCommandPrefix());

    /// <summary>Runs a command inside the home namespace to its end (at most 30 s) and returns its exit code and output (standard output, then standard error).</summary>
    public (int ExitCode, string Output) RunInHome(params string[] command)
    {
        var prefix = HomeCommandPrefix();
        return Run(prefix[0], [.. prefix.Skip(1), .. command]);
    }

    /// <summary>Deletes both namespaces and the host's link (deleting a namespace deletes its links); again does nothing.</summary>
    /// <remarks>A process still running in the home keeps its namespace alive, unnamed, until it ends: dispose the programs first.</remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        lock (Gate)
        {
            Delete();
        }
    }

    private string Address(string format) => string.Format(CultureInfo.InvariantCulture, format, Subnet);

    private void Build()
    {
        var hostNet = Address("10.231.{0}");
        var homeNet = Address("192.168.{0}");
        Check("ip", "netns", "add", RouterNamespace);
        Check("ip", "netns", "add", HomeNamespace);

        // host <-> router: the router's uplink is made inside the router
        Check("ip", "link", "add", hostLink, "type", "veth", "peer", "name", routerUplink, "netns", RouterNamespace);
        Check("ip", "addr", "add", $"{hostNet}.1/30", "dev", hostLink);
        Check("ip", "link", "set", hostLink, "up");
        InRouter("ip", "link", "set", "lo", "up");
        InRouter("ip", "addr", "add", $"{hostNet}.2/30", "dev", routerUplink);
        InRouter("ip", "link", "set", routerUplink, "up");

        // router <-> home
        InRouter("ip", "link", "add", routerLan, "type", "veth", "peer", "name", homeLink, "netns", HomeNamespace);
        InRouter("ip", "addr", "add", $"{homeNet}.1/24", "dev", routerLan);
        InRouter("ip", "link", "set", routerLan, "up");
        InHome("ip", "link", "set", "lo", "up");
        InHome("ip", "addr", "add", $"{homeNet}.2/24", "dev", homeLink);
        InHome("ip", "link", "set", homeLink, "up");
        InHome("ip", "route", "add", "default", "via", $"{homeNet}.1");

        // the router: forwards, masquerades the home behind its uplink address, and lets nothing in unasked
        InRouter("ip", "route", "add", "default", "via", $"{hostNet}.1");
        InRouter("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        InRouter("iptables", "-t", "nat", "-A", "POSTROUTING", "-s", $"{homeNet}.0/24", "-o", routerUplink, "-j", "MASQUERADE");
        InRouter("iptables", "-A", "FORWARD", "-i", routerUplink, "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP");

        // the host's way to the home ends at the router (not at its default route)
        Check("ip", "route", "add", $"{homeNet}.0/24", "via", $"{hostNet}.2", "dev", hostLink);
    }

    // a third octet that neither 10.231.N.0/30 nor 192.168.N.0/24 of this machine uses (addresses or routes)
    private static int FreeSubnet(int number)
    {
        var (_, addresses) = Run("ip", ["-4", "-o", "addr", "show"]);
        var (_, routes) = Run("ip", ["-4", "route", "show", "table", "all"]);
        var used = addresses + "\n" + routes;
        var start = (Environment.ProcessId * 7 + number * 31) % 250;
        for (var i = 0; i < 250; i++)
        {
            // 2..251: 192.168.0 and 192.168.1 are the usual home LANs, which a developer's machine may be on
            var n = 2 + (start + i) % 250;
            var text = n.ToString(CultureInfo.InvariantCulture);
            if (!used.Contains($"10.231.{text}.", StringComparison.Ordinal) && !used.Contains($"192.168.{text}.", StringComparison.Ordinal))
            {
                return n;
            }
        }

        throw new InvalidOperationException("no free 10.231.N.0/30 and 192.168.N.0/24 for a NAT network");
    }

    // what a network with these names may have left (this one, or a crashed run's): every step may find nothing
    private void Delete()
    {
        // ip netns del also removes a name whose namespace is gone (the mount namespace that held it ended)
        Run("ip", ["netns", "del", HomeNamespace]);
        Run("ip", ["netns", "del", RouterNamespace]);
        Run("ip", ["link", "del", hostLink]);
    }

    private void InRouter(params string[] command) => Check("nsenter", [$"--net={NamespaceFolder}/{RouterNamespace}", "--", .. command]);

    private void InHome(params string[] command) => Check("nsenter", [$"--net={NamespaceFolder}/{HomeNamespace}", "--", .. command]);

    private static void Check(string program, params string[] args)
    {
        var (exitCode, output) = Run(program, args);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"NAT network: '{program} {string.Join(' ', args)}' exited with code {exitCode}: {output.Trim()}");
        }
    }

    private static bool Runs(string program, string probe)
    {
        try
        {
            return Run(program, [probe]).ExitCode == 0;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static (int ExitCode, string Output) Run(string program, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{program} cannot be run ({e.Message})", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(CommandTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"'{program} {string.Join(' ', args)}' did not end within {CommandTimeout.TotalSeconds} s");
            }

            process.WaitForExit();
            return (process.ExitCode, output.Result + error.Result);
        }
    }
}
