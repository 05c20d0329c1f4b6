using System.Security.Cryptography;
using System.Text;

namespace EdgeTrain.Commands.Hosting;

/// <summary>
/// Decides whether a request may run a command that changes the cluster or a job: only with the
/// host's token, compared in constant time (both sides hashed to the same length first, so neither
/// the content nor the length of the token leaks through timing). A host without a token refuses
/// every such command.
/// </summary>
public sealed class TokenCheck
{
    private readonly byte[]? expected;

    /// <summary>A check against <paramref name="token"/> (empty: no token configured).</summary>
    public TokenCheck(string token) => expected = string.IsNullOrEmpty(token) ? null : Hash(token);

    /// <summary>True when the host has a token.</summary>
    public bool Configured => expected is not null;

    /// <summary>Why <paramref name="given"/> may not run mutating command <paramref name="command"/>, or null when it may.</summary>
    public string? Refusal(string command, string? given)
    {
        if (expected is null)
        {
            return $"'{command}' changes the cluster or a job, and this node has no command token configured " +
                $"(edgetrain.cmd.token or {CommandHostSettings.TokenVariable} on the node), so it refuses such commands";
        }

        if (string.IsNullOrEmpty(given))
        {
            return $"'{command}' changes the cluster or a job and needs the command token: pass --token TOKEN or set {CommandHostSettings.TokenVariable}";
        }

        return CryptographicOperations.FixedTimeEquals(expected, Hash(given))
            ? null
            : $"'{command}' refused: the command token does not match this node's (pass --token TOKEN or set {CommandHostSettings.TokenVariable})";
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
