namespace EdgeTrain.Commands.Palettes;

/// <summary>The exit codes of <c>edgetrain-cmd</c>, which scripts and Kubernetes preStop hooks rely on.</summary>
public static class ExitCodes
{
    /// <summary>The command succeeded.</summary>
    public const int Success = 0;

    /// <summary>The command ran and failed (including a mutating command refused for its token).</summary>
    public const int Failure = 1;

    /// <summary>A usage error (unknown command or switch), or the client could not reach the host.</summary>
    public const int Usage = 2;
}
