namespace EdgeTrain.Commands.Parsing;

/// <summary>A command line that names no command or misuses one: exit code 2, the message says what was expected.</summary>
public sealed class CommandUsageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CommandUsageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CommandUsageException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public CommandUsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
