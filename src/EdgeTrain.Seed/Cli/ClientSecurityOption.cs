using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Security;
using EdgeTrain.Core;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Seed.Cli;

/// <summary>
/// How a command that talks to a running cluster through a seed (<c>submit</c>, <c>status</c>, <c>watch</c>,
/// <c>audit verify|export --seed</c>, <c>checkpoint</c>) proves who it is over mutual TLS: <c>--ca DIR</c> (the
/// cluster CA's folder, on the researcher's machine: a client certificate made in memory for this command),
/// or <c>--identity DIR</c> (an identity folder of this cluster on this machine, such as the seed's
/// <c>DATA-DIR/identity</c>, or a data folder holding one); <c>--insecure</c> for a cluster without TLS. Without
/// any of them: <c>EDGETRAIN_CA</c>, then <c>EDGETRAIN_IDENTITY</c>, then <c>./data/identity</c> when it holds one.
/// </summary>
internal static class ClientSecurityOption
{
    /// <summary>The valued options.</summary>
    public static readonly string[] Options = ["--ca", "--identity"];

    /// <summary>The switches.</summary>
    public static readonly string[] Switches = [InsecureMode.Switch];

    /// <summary>The environment variable naming the CA folder when no option does.</summary>
    public const string CaVariable = "EDGETRAIN_CA";

    /// <summary>The environment variable naming an identity folder when no option does.</summary>
    public const string IdentityVariable = "EDGETRAIN_IDENTITY";

    // the data folder edgetrain-node uses when given none
    private const string DefaultDataDirectory = "data";

    /// <summary>The usage text of the options.</summary>
    public const string Usage = "[--ca DIR | --identity DIR | --insecure]";

    /// <summary>What the command line says, for one command.</summary>
    /// <exception cref="InvalidInputException">none or more than one of them, or an identity or CA that does not load (naming the file).</exception>
    public static ClientSecurity Resolve(CommandLine line, TextWriter error, string program = "edgetrain")
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(error);
        var ca = line.Option("--ca");
        var identity = line.Option("--identity");
        var insecure = line.Flag(InsecureMode.Switch);
        if ((ca is null ? 0 : 1) + (identity is null ? 0 : 1) + (insecure ? 1 : 0) > 1)
        {
            throw new InvalidInputException("command line", "--ca", "give one of --ca DIR, --identity DIR or --insecure");
        }

        if (insecure)
        {
            error.WriteLine(InsecureMode.Warning(program));
            return ClientSecurity.Insecure;
        }

        if (ca is not null)
        {
            using var authority = CertificateAuthority.Load(ca);
            return ClientSecurity.FromAuthority(authority);
        }

        if (identity is not null)
        {
            return FromIdentity(identity);
        }

        // the same from the environment (scripts), else this machine's node or seed identity in ./data
        if (Environment.GetEnvironmentVariable(CaVariable) is { Length: > 0 } caFromEnvironment)
        {
            using var authority = CertificateAuthority.Load(caFromEnvironment);
            return ClientSecurity.FromAuthority(authority);
        }

        if (Environment.GetEnvironmentVariable(IdentityVariable) is { Length: > 0 } identityFromEnvironment)
        {
            return FromIdentity(identityFromEnvironment);
        }

        if (IdentityFolder.InDataDirectory(DefaultDataDirectory).Exists)
        {
            return ClientSecurity.FromFolder(IdentityFolder.InDataDirectory(DefaultDataDirectory));
        }

        throw new InvalidInputException("command line", "--ca",
            "missing: the cluster speaks mutual TLS, so this command needs a certificate of its CA: --ca DIR (the CA folder of edgetrain ca init, " +
            $"on the researcher's machine) or --identity DIR (an identity folder of this cluster, e.g. the seed's DATA-DIR/identity), or {CaVariable} / {IdentityVariable} " +
            $"naming one (none found in ./{DefaultDataDirectory}/identity either); --insecure only for a cluster started with --insecure");
    }

    // an identity folder, or a data folder holding one
    private static ClientSecurity FromIdentity(string path)
    {
        var folder = new IdentityFolder(path);
        var inDataDir = IdentityFolder.InDataDirectory(path);
        return ClientSecurity.FromFolder(!folder.Exists && inDataDir.Exists ? inDataDir : folder);
    }
}
