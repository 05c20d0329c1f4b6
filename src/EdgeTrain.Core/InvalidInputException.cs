namespace EdgeTrain.Core;

/// <summary>
/// Bad input from a user or a file: names where it came from (<see cref="Source"/>: a file or
/// folder path, a node, a command-line switch), the key or field that is wrong, and what was
/// expected instead. Programs turn it into one line on standard error and exit code 2.
/// </summary>
public sealed class InvalidInputException : Exception
{
    /// <summary>Creates the exception; the message is <c>source: key: problem</c>.</summary>
    public InvalidInputException(string source, string key, string problem, Exception? inner = null)
        : base(Format(source, key, problem), inner)
    {
        Source = source;
        Key = key;
        Problem = problem;
    }

    /// <summary>Where the bad input came from: a file or folder path, a node address, a switch.</summary>
    public new string Source { get; }

    /// <summary>The key, field or part of the input that is wrong (for example <c>job.model.type</c>).</summary>
    public string Key { get; }

    /// <summary>What is wrong and what was expected.</summary>
    public string Problem { get; }

    private static string Format(string source, string key, string problem) =>
        string.IsNullOrEmpty(key) ? $"{source}: {problem}" : $"{source}: {key}: {problem}";
}
