using Akka.Configuration;

namespace EdgeTrain.Commands.Hosting;

/// <summary>
/// The command host's settings, read once from the <c>edgetrain.cmd</c> block (defaults and their
/// documentation in this library's <c>reference.conf</c>).
/// </summary>
/// <param name="Host">The address the host listens on.</param>
/// <param name="Port">Its port; 0 turns the host off.</param>
/// <param name="Token">The token that mutating commands need; empty: none configured, such commands are refused.</param>
/// <param name="AskTimeout">How long a command waits for an answer from the cluster.</param>
/// <param name="LogBuffer">Log events kept for <c>log peek</c>.</param>
/// <param name="CertificatePath">A PKCS#12 file with the TLS certificate and key; empty: plain HTTP/2.</param>
/// <param name="CertificatePassword">The file's password.</param>
public sealed record CommandHostSettings(
    string Host,
    int Port,
    string Token,
    TimeSpan AskTimeout,
    int LogBuffer,
    string CertificatePath,
    string CertificatePassword)
{
    /// <summary>The environment variable that, when set, supplies the token instead of <c>edgetrain.cmd.token</c>.</summary>
    public const string TokenVariable = "EDGETRAIN_CMD_TOKEN";

    /// <summary>The default port, as Petabridge.Cmd's.</summary>
    public const int DefaultPort = 9110;

    /// <summary>The embedded reference configuration.</summary>
    public static Config Reference => ReferenceConfig.Value;

    private static readonly Lazy<Config> ReferenceConfig = new(() =>
    {
        using var stream = typeof(CommandHostSettings).Assembly.GetManifestResourceStream("EdgeTrain.Commands.reference.conf")
            ?? throw new InvalidOperationException("EdgeTrain.Commands.reference.conf is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    });

    /// <summary>True when TLS is configured.</summary>
    public bool Tls => CertificatePath.Length > 0;

    /// <summary>Reads the settings from <paramref name="config"/> and the token variable in <paramref name="environment"/> (the process's when null).</summary>
    public static CommandHostSettings Create(Config config, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = config.WithFallback(Reference).GetConfig("edgetrain.cmd");
        var variable = (environment ?? Environment.GetEnvironmentVariable)(TokenVariable);
        return new CommandHostSettings(
            c.GetString("host"),
            c.GetInt("port"),
            string.IsNullOrEmpty(variable) ? c.GetString("token") ?? "" : variable,
            c.GetTimeSpan("ask-timeout"),
            Math.Max(1, c.GetInt("log-buffer")),
            c.GetString("tls.certificate-path") ?? "",
            c.GetString("tls.certificate-password") ?? "");
    }
}
