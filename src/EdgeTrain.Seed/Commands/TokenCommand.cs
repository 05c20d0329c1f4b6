using System.Globalization;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core;
using EdgeTrain.Core.Security;
using EdgeTrain.Seed.Cli;

namespace EdgeTrain.Seed.Commands;

/// <summary>
/// <c>edgetrain token create --ca DIR [--ttl 1h] [--roles params,trainer] [--endpoint URL]</c>: makes a
/// one-time join token signed by the CA in DIR. The token is the last line of the output (scripts take it
/// with <c>tail -n 1</c>); the lines before say what it grants and until when.
/// </summary>
internal static class TokenCommand
{
    private const string Usage = "token create --ca DIR [--ttl 1h] [--roles params,aggregator,trainer] [--endpoint https://HOST:PORT]";

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var line = CommandLine.Parse(args, ["--ca", "--ttl", "--roles", "--endpoint"], []);
        line.AllowPositionals(1, Usage);
        if (line.Positionals is not ["create"])
        {
            var found = line.Positionals.Count == 0 ? "nothing" : $"'{line.Positionals[0]}'";
            throw new InvalidInputException("command line", "token", $"expected create, found {found}; usage: {Usage}");
        }

        var folder = line.Option("--ca") ?? throw new InvalidInputException("command line", "--ca", "missing; expected the CA's folder (edgetrain ca init --dir DIR)");
        var ttl = line.Option("--ttl") is { } text ? Ttl(text) : JoinToken.DefaultTtl;
        IReadOnlyList<string> roles = line.Option("--roles") is null
            ? ClusterRoles.DefaultJoinRoles
            : ClusterRoles.Validate(line.Options("--roles"), "command line", "--roles");
        var endpoint = line.Option("--endpoint") is { } url ? JoinToken.ParseEndpoint(url, "command line", "--endpoint") : null;

        using var ca = CaCommand.Files(folder, () => CertificateAuthority.Load(folder));
        var token = ca.CreateToken(roles, ttl, endpoint);
        output.WriteLine($"one-time join token {token.Id} for {string.Join(", ", token.Roles)}");
        output.WriteLine($"  expires   {token.Expires.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)} (in {Describe(ttl)})");
        output.WriteLine($"  CA pin    {token.CaPin}");
        output.WriteLine(token.Endpoint is null
            ? "  endpoint  none in the token: tell the node where to enrol"
            : $"  endpoint  {token.Endpoint.OriginalString}");
        output.WriteLine(token.Text);
        return SeedCli.Success;
    }

    private static TimeSpan Ttl(string text)
    {
        var expected = $"expected a positive duration of at most {JoinToken.MaxTtl.TotalDays} days, such as 30m, 1h or 7d, found '{text}'";
        TimeSpan ttl;
        try
        {
            ttl = Akka.Configuration.ConfigurationFactory.ParseString($"ttl = \"{text.Replace("\"", "", StringComparison.Ordinal)}\"").GetTimeSpan("ttl", null, allowInfinite: false);
        }
        catch (Exception e) when (e is not InvalidInputException)
        {
            throw new InvalidInputException("command line", "--ttl", expected, e);
        }

        return ttl >= TimeSpan.FromSeconds(1) && ttl <= JoinToken.MaxTtl
            ? ttl
            : throw new InvalidInputException("command line", "--ttl", expected);
    }

    private static string Describe(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } when span.Ticks % TimeSpan.TicksPerDay == 0 => $"{span.TotalDays:0} d",
        { TotalHours: >= 1 } when span.Ticks % TimeSpan.TicksPerHour == 0 => $"{span.TotalHours:0} h",
        { TotalMinutes: >= 1 } when span.Ticks % TimeSpan.TicksPerMinute == 0 => $"{span.TotalMinutes:0} min",
        _ => span.ToString("c", CultureInfo.InvariantCulture),
    };
}
