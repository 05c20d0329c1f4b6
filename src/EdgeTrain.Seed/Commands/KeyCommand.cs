using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core;
using EdgeTrain.Core.Security;
using EdgeTrain.Seed.Cli;

namespace EdgeTrain.Seed.Commands;

/// <summary>
/// <c>edgetrain key create --out FILE</c>: writes a new random storage key (32 bytes, one line of
/// base64) to FILE, readable by its owner only (mode 0600), and never over an existing file.
/// <c>edgetrain key id --key FILE</c>: prints the id of the key in FILE (what error messages name).
/// Exit 2 when the file exists, cannot be written, or is not a key file, naming it.
/// </summary>
internal static class KeyCommand
{
    private const string Usage = "key create --out FILE | key id --key FILE";

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var line = CommandLine.Parse(args, ["--out", "--key"], []);
        line.AllowPositionals(1, Usage);
        var action = line.Positionals.Count == 1 ? line.Positionals[0] : throw new InvalidInputException("command line", "ACTION", $"missing; expected create or id; usage: {Usage}");
        switch (action)
        {
            case "create":
                {
                    var path = line.Option("--out") ?? throw new InvalidInputException("command line", "--out", "missing; expected the path of the key file to write");
                    var key = StorageKey.CreateFile(path);
                    output.WriteLine($"wrote storage key {key.Id} to {path} (readable by its owner only)");
                    output.WriteLine($"give every seed and params node the same file: edgetrain.storage.key-file = \"{Path.GetFullPath(path).Replace("\\", "/", StringComparison.Ordinal)}\"; keep a copy: what it encrypts cannot be read without it");
                    return SeedCli.Success;
                }

            case "id":
                {
                    var path = line.Option("--key") ?? throw new InvalidInputException("command line", "--key", "missing; expected the path of a key file");
                    output.WriteLine(StorageKey.Load(path).Id);
                    return SeedCli.Success;
                }

            default:
                throw new InvalidInputException("command line", action, $"unknown key action; expected create or id; usage: {Usage}");
        }
    }
}
