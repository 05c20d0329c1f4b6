using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core;
using EdgeTrain.Core.Security;
using EdgeTrain.Seed.Cli;

namespace EdgeTrain.Seed.Commands;

/// <summary>
/// <c>edgetrain ca init --dir DIR [--name NAME]</c>: creates the cluster's own CA in DIR (never over an
/// existing one) and prints where its files are and its pin.
/// </summary>
internal static class CaCommand
{
    private const string Usage = "ca init --dir DIR [--name NAME]";

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var line = CommandLine.Parse(args, ["--dir", "--name"], []);
        line.AllowPositionals(1, Usage);
        if (line.Positionals is not ["init"])
        {
            var found = line.Positionals.Count == 0 ? "nothing" : $"'{line.Positionals[0]}'";
            throw new InvalidInputException("command line", "ca", $"expected init, found {found}; usage: {Usage}");
        }

        var folder = line.Option("--dir") ?? throw new InvalidInputException("command line", "--dir", "missing; expected the folder to create the CA in (it holds the CA's private key: keep it on the seed)");
        using var ca = Files(folder, () => CertificateAuthority.Init(folder, line.Option("--name")));
        output.WriteLine($"created the cluster CA '{ca.Name}' in {Path.GetFullPath(folder)}");
        output.WriteLine($"  certificate  {Path.GetFullPath(ca.CertificatePath)} (public: nodes get a copy when they enrol)");
        output.WriteLine($"  private key  {Path.GetFullPath(ca.KeyPath)} (mode 0600: keep it on the seed that enrols nodes, and a copy offline)");
        output.WriteLine($"  valid until  {ca.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}");
        output.WriteLine($"  pin          {ca.Pin}");
        output.WriteLine($"next: edgetrain token create --ca {folder} to let a node join");
        return SeedCli.Success;
    }

    /// <summary>Runs <paramref name="action"/>; a folder or file it cannot read or write is bad input naming <paramref name="folder"/>.</summary>
    internal static T Files<T>(string folder, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(folder, "", e.Message, e);
        }
    }
}
