namespace EdgeTrain.Actors.Hosting;

/// <summary>The programs' <c>--insecure</c> switch: what it says before a node starts without TLS.</summary>
public static class InsecureMode
{
    /// <summary>The switch.</summary>
    public const string Switch = "--insecure";

    /// <summary>The warning a program prints on standard error when it runs insecure.</summary>
    public static string Warning(string program) => $"""
        ************************************************************************************
        WARNING: {program} runs with --insecure: NO TLS, NO CERTIFICATE CHECKS.
          Its cluster traffic can be read and forged on the network, its peers are not
          authenticated, and any process that reaches its port can join the cluster and
          claim any role (seed included). Use it for debugging on a trusted machine only.
        ************************************************************************************
        """;

    /// <summary>What a program says when a node was stopped by a failed TLS handshake (Akka's exit code 79 reason).</summary>
    public static bool IsTlsHandshakeFailure(Akka.Actor.CoordinatedShutdown.Reason? reason) =>
        reason?.GetType().Name == "TlsHandshakeFailureReason";
}
