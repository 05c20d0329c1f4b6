using System.Diagnostics;

namespace EdgeTrain.Seed.Demo;

/// <summary>
/// The OS processes a demo starts (the seed and the nodes), each running a .NET program of this
/// installation with its output in a log file. Disposing kills every one still running.
/// </summary>
internal sealed class ChildProcesses : IDisposable
{
    private readonly List<(string Name, Process Process, string Log)> children = [];
    private readonly Dictionary<string, (string Assembly, string[] Args, IReadOnlyDictionary<string, string>? Environment)> recipes = new(StringComparer.Ordinal);

    /// <summary>The dotnet host that runs this process (also under <c>dotnet run</c> and <c>dotnet test</c>).</summary>
    public static string DotnetHost
    {
        get
        {
            var process = Environment.ProcessPath;
            if (process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet")
            {
                return process;
            }

            return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        }
    }

    /// <summary>The started processes with their names and log files.</summary>
    public IReadOnlyList<(string Name, Process Process, string Log)> All => children;

    /// <summary>Starts <c>dotnet <paramref name="assembly"/> <paramref name="args"/></c>, its output going to <paramref name="log"/>.</summary>
    public Process Start(string name, string assembly, IEnumerable<string> args, string log, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(assembly);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        recipes[name] = (assembly, info.ArgumentList.Skip(1).ToArray(), environment);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}");
        var writer = new StreamWriter(log, append: false) { AutoFlush = true };
        var gate = new object();
        void Write(string? text)
        {
            if (text is not null)
            {
                lock (gate)
                {
                    writer.WriteLine(text);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.Exited += (_, _) => { lock (gate) { writer.Flush(); } };
        children.Add((name, process, log));
        return process;
    }

    /// <summary>The first child that has exited without being killed on purpose, if any.</summary>
    public (string Name, Process Process, string Log)? FirstExited() =>
        children.FirstOrDefault(c => c.Process.HasExited && !killed.Contains(c.Process.Id)) is { Process: not null } exited ? exited : null;

    private readonly HashSet<int> killed = [];

    /// <summary>Sends SIGKILL to child <paramref name="name"/> (no goodbye: a device that just dies).</summary>
    public void Kill(string name)
    {
        var (_, process, _) = children.Last(c => c.Name == name);
        killed.Add(process.Id);
        process.Kill(entireProcessTree: false);
        process.WaitForExit(5_000);
    }

    /// <summary>Starts child <paramref name="name"/> again, as it was first started, logging to <paramref name="log"/>.</summary>
    public Process Restart(string name, string log)
    {
        var (assembly, args, environment) = recipes[name];
        return Start(name, assembly, args, log, environment);
    }

    /// <summary>True when the newest process of child <paramref name="name"/> runs.</summary>
    public bool Running(string name) => children.LastOrDefault(c => c.Name == name) is { Process: { HasExited: false } };

    /// <summary>The log of the newest process of node <paramref name="name"/> (null: never started).</summary>
    public string? LogOf(string name) => children.LastOrDefault(c => c.Name == name).Log;

    /// <summary>The cluster address the newest process of node <paramref name="name"/> printed at start, if it has.</summary>
    public string? AddressOf(string name)
    {
        var log = children.LastOrDefault(c => c.Name == name).Log;
        if (log is null)
        {
            return null;
        }

        const string marker = "edgetrain-node ";
        return Tail(log, 10_000).Split('\n')
            .Where(l => l.StartsWith(marker, StringComparison.Ordinal) && l.Contains(": region ", StringComparison.Ordinal))
            .Select(l => l[marker.Length..l.IndexOf(": region ", StringComparison.Ordinal)])
            .LastOrDefault();
    }

    /// <summary>The last lines of a log file.</summary>
    public static string Tail(string log, int lines = 15)
    {
        try
        {
            using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(log unreadable: {e.Message})";
        }
    }

    /// <summary>Kills every child still running, with its process tree.</summary>
    public void Dispose()
    {
        foreach (var (_, process, _) in children)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5_000);
                }
            }
            catch (InvalidOperationException)
            {
                // it exited between the check and the kill
            }

            process.Dispose();
        }

        children.Clear();
    }
}
