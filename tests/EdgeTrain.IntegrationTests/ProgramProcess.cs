using System.Diagnostics;
using System.Text;

namespace EdgeTrain.IntegrationTests;

/// <summary>One of the real programs (<c>edgetrain.dll</c>, <c>edgetrain-node.dll</c>) running as an OS process, with its output captured.</summary>
internal sealed class ProgramProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly StringBuilder error = new();

    private ProgramProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(error, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (error)
            {
                return error.ToString();
            }
        }
    }

    public bool HasExited => process.HasExited;

    public int Id => process.Id;

    public int ExitCode => process.ExitCode;

    /// <summary>
    /// Starts <c>dotnet {program}.dll args</c> from the test's folder, secured as <see cref="TestClusterPki"/>
    /// says (identities for seeds and nodes, <c>--ca</c> for client commands) unless the test chose itself.
    /// With a <paramref name="prefix"/>, that command runs it (<c>prefix… dotnet {program}.dll args</c>), e.g.
    /// <see cref="NatNetwork.HomeCommandPrefix"/>'s <c>nsenter</c> into a network namespace; it must exec the program.
    /// </summary>
    public static ProgramProcess Start(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? prefix = null)
    {
        var list = TestClusterPki.Secure(program, args.ToList());
        args = list;
        var info = new ProcessStartInfo(prefix is { Count: > 0 } ? prefix[0] : DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        if (prefix is { Count: > 0 })
        {
            foreach (var word in prefix.Skip(1))
            {
                info.ArgumentList.Add(word);
            }

            info.ArgumentList.Add(DotnetHost);
        }

        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, program + ".dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return new ProgramProcess(Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}"));
    }

    /// <summary>Runs the program to its end and returns its exit code.</summary>
    public static async Task<ProgramProcess> RunAsync(string program, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var started = Start(program, args, environment);
        await started.WaitAsync(timeout);
        return started;
    }

    /// <summary>Waits for the process to end; kills it and fails after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Dispose();
            throw new TimeoutException($"the process did not end within {timeout}; output:\n{Output}\n{Error}");
        }

        // WaitForExitAsync returns once the output has been read to its end
        process.WaitForExit();
    }

    /// <summary>Waits until the output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{text}' did not appear; output:\n{Output}\n{Error}");
            }

            await Task.Delay(200);
        }
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        process.Dispose();
    }

    private static string DotnetHost =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? path
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }
}
