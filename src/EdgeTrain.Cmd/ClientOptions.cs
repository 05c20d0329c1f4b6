using System.Globalization;

namespace EdgeTrain.Cmd;

/// <summary>
/// What <c>edgetrain-cmd [HOST:PORT] [--token T] [--tls] [--ca FILE] [COMMAND …]</c> was asked: the
/// host to reach (default 127.0.0.1:9110), the token (else <c>EDGETRAIN_CMD_TOKEN</c>), TLS, a
/// certificate to trust, and the command's words (none: the interactive prompt). The client's own
/// switches may stand anywhere; every other word belongs to the command.
/// </summary>
internal sealed record ClientOptions(string Host, int Port, string? Token, bool Tls, string? CaFile, IReadOnlyList<string> Command, bool Help)
{
    public const string TokenVariable = "EDGETRAIN_CMD_TOKEN";
    public const int DefaultPort = 9110;

    public const string Usage = """
        usage: edgetrain-cmd [HOST:PORT] [--token TOKEN] [--tls] [--ca FILE] [COMMAND ...]

          HOST:PORT        a node's command host (default 127.0.0.1:9110)
          COMMAND ...      run one command and exit, e.g. `cluster show`; without one, an interactive
                           prompt (help, history, exit; Ctrl-C ends a streaming command)
          --token TOKEN    the command token for commands that change the cluster or a job
                           (default: the EDGETRAIN_CMD_TOKEN environment variable)
          --tls            connect with TLS (the host has edgetrain.cmd.tls configured)
          --ca FILE        trust this certificate (PEM or DER) or the CA that issued the host's

        `edgetrain-cmd help` lists the palettes. Exit codes: 0 success, 1 the command failed,
        2 usage or connection error.
        """;

    public string Endpoint => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public Uri Address => new($"{(Tls ? "https" : "http")}://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Reads the command line; <paramref name="environment"/> supplies the token variable.</summary>
    /// <exception cref="ClientUsageException">a client switch without its value, or a malformed HOST:PORT.</exception>
    public static ClientOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        string? token = null;
        string? ca = null;
        var tls = false;
        var command = new List<string>();
        (string Host, int Port)? endpoint = null;
        for (var i = 0; i < args.Count; i++)
        {
            var word = args[i];
            var (name, inline) = word.StartsWith("--", StringComparison.Ordinal) && word.Split('=', 2) is [var n, var v] ? (n, v) : (word, null);
            switch (name)
            {
                case "--token":
                    token = inline ?? Next(args, ref i, name);
                    continue;
                case "--ca":
                    ca = inline ?? Next(args, ref i, name);
                    continue;
                case "--tls" when inline is null:
                    tls = true;
                    continue;
            }

            if (command.Count == 0 && endpoint is null && TryEndpoint(word, out var parsed))
            {
                endpoint = parsed;
                continue;
            }

            command.Add(word);
        }

        var help = command is ["-h" or "--help"];
        return new ClientOptions(
            endpoint?.Host ?? "127.0.0.1",
            endpoint?.Port ?? DefaultPort,
            token ?? (environment(TokenVariable) is { Length: > 0 } variable ? variable : null),
            tls || ca is not null,
            ca,
            help ? [] : command,
            help);
    }

    private static string Next(IReadOnlyList<string> args, ref int i, string name) =>
        i + 1 < args.Count ? args[++i] : throw new ClientUsageException($"{name} expects a value");

    // HOST:PORT (or [IPv6]:PORT); a word with a colon that is not one is an error, not a command
    private static bool TryEndpoint(string word, out (string Host, int Port) endpoint)
    {
        endpoint = default;
        var colon = word.LastIndexOf(':');
        if (colon <= 0 || word.StartsWith('-') || word.Contains("://", StringComparison.Ordinal))
        {
            return false;
        }

        if (!int.TryParse(word[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ClientUsageException($"'{word}': expected HOST:PORT with a port from 1 to 65535");
        }

        endpoint = (word[..colon].Trim('[', ']'), port);
        return true;
    }
}
