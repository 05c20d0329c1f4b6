using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Seed.Cli;

/// <summary>
/// The storage key of a command that reads files kept at rest (<c>evaluate --model</c>,
/// <c>train-local --init</c>, <c>checkpoint export</c>): the key file of <c>--key FILE</c>, or else the
/// one <c>edgetrain.storage.key-file</c> names in the <c>--config</c> files or in
/// <c>hocon/edgetrain.conf</c> beside the program; none when neither names one.
/// </summary>
internal static class StorageKeyOption
{
    /// <summary>The valued options a command that takes a storage key accepts.</summary>
    public static readonly string[] Options = ["--key", "--config"];

    /// <summary>The usage text of the options.</summary>
    public const string Usage = "[--key FILE] [--config F]";

    /// <summary>The key the command line gives, or null.</summary>
    /// <exception cref="Core.InvalidInputException">the key file or a configuration file does not load (naming it).</exception>
    public static StorageKey? Resolve(CommandLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Option("--key") is { } path
            ? StorageKey.Load(path)
            : EdgeTrainSettings.StorageKeyOf(ClusterConfigBuilder.ForTool(line.Values("--config")));
    }
}
