namespace EdgeTrain.Tests;

/// <summary>A fresh folder under the system temp folder, deleted on dispose (kept when EDGETRAIN_KEEP_TEST_FILES=1, to read a failed run's logs).</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgetrain-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("EDGETRAIN_KEEP_TEST_FILES") == "1")
        {
            return;
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // a file still open by a crashed test; the temp folder is cleaned by the system
        }
    }
}
