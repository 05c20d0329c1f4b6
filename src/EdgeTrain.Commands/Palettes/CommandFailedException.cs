namespace EdgeTrain.Commands.Palettes;

/// <summary>A command that ran and failed (an unknown job or address, no answer from the cluster): exit code 1 and its message.</summary>
public sealed class CommandFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CommandFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CommandFailedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public CommandFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
