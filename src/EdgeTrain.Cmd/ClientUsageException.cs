namespace EdgeTrain.Cmd;

/// <summary>A client command line that cannot be used: exit code 2.</summary>
internal sealed class ClientUsageException(string message) : Exception(message);
