using System.Security.Cryptography;

namespace EdgeTrain.Gateway.Device;

/// <summary>
/// The name of a device without TLS (whose certificate would name it): <c>DATA-DIR/device-id</c>, made once
/// (12 random hex digits) and read on every start, so that the device stays the same
/// device across restarts and reconnections.
/// </summary>
public static class DeviceIdFile
{
    /// <summary>The file's name in the data folder.</summary>
    public const string FileName = "device-id";

    /// <summary>The device's id from <paramref name="dataDirectory"/>, made there first when missing.</summary>
    public static string LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        Directory.CreateDirectory(dataDirectory);
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        File.WriteAllText(path, id + "\n");
        return id;
    }
}
