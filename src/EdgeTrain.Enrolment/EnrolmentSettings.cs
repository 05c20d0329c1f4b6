using Akka.Configuration;
using EdgeTrain.Core;

namespace EdgeTrain.Enrolment;

/// <summary>
/// Enrolment's settings, read once from the <c>edgetrain.enrolment</c> block (defaults and their
/// documentation in this library's <c>reference.conf</c>).
/// </summary>
/// <param name="Host">The address the seed's enrolment listener binds to.</param>
/// <param name="Port">Its port, and the port a node dials on its seed's host when the token names no endpoint.</param>
/// <param name="ServerNames">Extra names for the listener's certificate.</param>
/// <param name="ServerValidity">How long the listener's certificate is valid.</param>
/// <param name="CertificateValidity">How long an issued node certificate is valid.</param>
/// <param name="MaxRequestSize">The largest request the listener reads, in bytes.</param>
/// <param name="MaxConnections">Connections the listener serves at once.</param>
/// <param name="AuditTimeout">How long the listener waits for the audit entry of an enrolment.</param>
/// <param name="RenewBefore">A node renews when less than this is left of its certificate.</param>
/// <param name="RenewCheckInterval">How often a running node looks at its certificate.</param>
/// <param name="RequestTimeout">How long a node waits for the enrolment endpoint.</param>
/// <param name="EnrolPatience">How long a node keeps trying an enrolment endpoint that cannot be reached or is not ready.</param>
public sealed record EnrolmentSettings(
    string Host,
    int Port,
    IReadOnlyList<string> ServerNames,
    TimeSpan ServerValidity,
    TimeSpan CertificateValidity,
    int MaxRequestSize,
    int MaxConnections,
    TimeSpan AuditTimeout,
    TimeSpan RenewBefore,
    TimeSpan RenewCheckInterval,
    TimeSpan RequestTimeout,
    TimeSpan EnrolPatience)
{
    /// <summary>The default port of the enrolment listener.</summary>
    public const int DefaultPort = 9112;

    private const string Block = "edgetrain.enrolment";

    private static readonly Lazy<Config> ReferenceConfig = new(() =>
    {
        using var stream = typeof(EnrolmentSettings).Assembly.GetManifestResourceStream("EdgeTrain.Enrolment.reference.conf")
            ?? throw new InvalidOperationException("EdgeTrain.Enrolment.reference.conf is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    });

    /// <summary>The embedded reference configuration.</summary>
    public static Config Reference => ReferenceConfig.Value;

    /// <summary>The settings of the reference configuration alone.</summary>
    public static EnrolmentSettings Default => Create(Config.Empty);

    /// <summary>Reads the settings from <paramref name="config"/> (falling back to <see cref="Reference"/>).</summary>
    /// <exception cref="InvalidInputException">a value is out of range, naming its key.</exception>
    public static EnrolmentSettings Create(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = config.WithFallback(Reference).GetConfig(Block);
        var size = c.GetByteSize("max-request-size") ?? 16 * 1024;
        var settings = new EnrolmentSettings(
            c.GetString("host"),
            c.GetInt("port"),
            c.GetStringList("server-names").ToArray(),
            c.GetTimeSpan("server-validity"),
            c.GetTimeSpan("certificate-validity"),
            (int)Math.Clamp(size, 0, int.MaxValue),
            c.GetInt("max-connections"),
            c.GetTimeSpan("audit-timeout"),
            c.GetTimeSpan("renew-before"),
            c.GetTimeSpan("renew-check-interval"),
            c.GetTimeSpan("request-timeout"),
            c.GetTimeSpan("enrol-patience"));
        Require(settings.Port is >= 1 and <= 65535, "port", $"expected a port from 1 to 65535, found {settings.Port}");
        Require(settings.ServerValidity > TimeSpan.Zero, "server-validity", $"expected a positive duration, found {settings.ServerValidity}");
        Require(settings.CertificateValidity > TimeSpan.Zero, "certificate-validity", $"expected a positive duration, found {settings.CertificateValidity}");
        Require(settings.MaxRequestSize >= 1024, "max-request-size", $"expected at least 1KiB, found {settings.MaxRequestSize} bytes");
        Require(settings.MaxConnections >= 1, "max-connections", $"expected at least 1, found {settings.MaxConnections}");
        Require(settings.AuditTimeout > TimeSpan.Zero, "audit-timeout", $"expected a positive duration, found {settings.AuditTimeout}");
        Require(settings.RenewBefore >= TimeSpan.Zero && settings.RenewBefore < settings.CertificateValidity, "renew-before",
            $"expected a duration from 0 to less than certificate-validity ({settings.CertificateValidity}), found {settings.RenewBefore}");
        Require(settings.RenewCheckInterval >= TimeSpan.FromSeconds(1), "renew-check-interval", $"expected at least 1s, found {settings.RenewCheckInterval}");
        Require(settings.RequestTimeout > TimeSpan.Zero, "request-timeout", $"expected a positive duration, found {settings.RequestTimeout}");
        Require(settings.EnrolPatience >= TimeSpan.Zero, "enrol-patience", $"expected a duration of 0 or more, found {settings.EnrolPatience}");
        return settings;
    }

    private static void Require(bool holds, string key, string problem)
    {
        if (!holds)
        {
            throw new InvalidInputException("configuration", $"{Block}.{key}", problem);
        }
    }
}
