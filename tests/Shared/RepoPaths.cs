namespace EdgeTrain.Tests;

/// <summary>Paths inside the repository, found from the test assembly's folder.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeTrain.Actors.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no EdgeTrain.Actors.sln above {AppContext.BaseDirectory}");
    });

    /// <summary>The repository's top folder.</summary>
    public static string Root => RootPath.Value;

    /// <summary>samples/data/mnist-10k.</summary>
    public static string Mnist => Path.Combine(Root, "samples", "data", "mnist-10k");

    /// <summary>samples/data/sotu: the State of the Union addresses in JSON lines.</summary>
    public static string Sotu => Path.Combine(Root, "samples", "data", "sotu");

    /// <summary>A path below the repository's top folder.</summary>
    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);
}
