using System.Security.Cryptography;

namespace EdgeTrain.Core.Security;

/// <summary>
/// Node ids as certificates name them (the subject's common name): 1 to <see cref="MaxLength"/> ASCII
/// letters, digits, <c>-</c>, <c>_</c> and <c>.</c>, starting with a letter or a digit. ASCII only, so two
/// ids that look alike are alike; never a leading <c>.</c> or <c>-</c>, so an id is safe as a file name
/// (never <c>.</c> or <c>..</c>) and never reads as a command-line switch.
/// </summary>
public static class NodeIds
{
    /// <summary>The longest node id (the upper bound of an X.500 common name).</summary>
    public const int MaxLength = 64;

    /// <summary>True when <paramref name="id"/> is a valid node id.</summary>
    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength || !char.IsAsciiLetterOrDigit(id[0]))
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns <paramref name="id"/> when it is valid.</summary>
    /// <exception cref="InvalidInputException">it is not, naming <paramref name="source"/>, <paramref name="key"/> and the id.</exception>
    public static string Validate(string? id, string source, string key)
    {
        if (IsValid(id))
        {
            return id!;
        }

        var found = id is null ? "nothing" : $"'{Printable(id)}'";
        throw new InvalidInputException(source, key,
            $"expected a node id of 1 to {MaxLength} ASCII letters, digits, '-', '_' or '.' starting with a letter or digit, found {found}");
    }

    /// <summary>A fresh random node id: <c>node-</c> and 16 hexadecimal digits (64 random bits).</summary>
    public static string New() => "node-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private static string Printable(string text)
    {
        var shown = text.Length > 80 ? text[..80] + "…" : text;
        return string.Concat(shown.Select(c => char.IsControl(c) ? '?' : c));
    }
}
