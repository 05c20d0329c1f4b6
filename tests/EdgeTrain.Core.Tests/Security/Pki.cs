using System.Security.Cryptography.X509Certificates;

namespace EdgeTrain.Core.Tests.Security;

/// <summary>A clock the tests set: starts at a whole second near now, moves only when told.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}

/// <summary>What the security specs share: chains built against the cluster CA only.</summary>
internal static class Pki
{
    /// <summary>Builds <paramref name="certificate"/>'s chain with <paramref name="root"/> as the only trusted root, at <paramref name="at"/>.</summary>
    public static (bool Built, string Why) Chain(X509Certificate2 certificate, X509Certificate2 root, DateTimeOffset at)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        var built = chain.Build(certificate);
        return (built, string.Join("; ", chain.ChainStatus.Select(s => s.Status)));
    }

    /// <summary>The Unix mode of <paramref name="path"/> as octal digits, or null on Windows.</summary>
    public static string? Mode(string path) =>
        OperatingSystem.IsWindows() ? null : Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0');
}
