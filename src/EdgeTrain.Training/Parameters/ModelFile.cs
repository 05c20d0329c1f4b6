using EdgeTrain.Core;
using EdgeTrain.Core.Security;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Parameters;

/// <summary>
/// A saved model: what the coordinator keeps of a finished job (<c>{data-dir}/jobs/{job}/model.bin</c>),
/// TorchSharp's own format (<c>Module.save</c>). With a <see cref="StorageKey"/> the file is that
/// format inside an <see cref="EncryptedBlob"/> (AES-256-GCM, content kind model file). TorchSharp
/// writes into memory, the bytes are encrypted there, and only the encrypted file reaches the disk
/// (through a temporary file and a rename); loading decrypts into memory and hands TorchSharp a stream.
/// </summary>
public static class ModelFile
{
    /// <summary>Saves <paramref name="module"/>'s parameters to <paramref name="path"/>, encrypted with <paramref name="key"/> when it is given.</summary>
    public static void Save(nn.Module module, string path, StorageKey? key)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(path);
        using var memory = new MemoryStream();
        module.save(memory);
        var plain = memory.ToArray();
        try
        {
            StoredFile.Write(path, plain, key, EncryptedContent.ModelFile);
        }
        finally
        {
            if (key is not null)
            {
                Array.Clear(plain);
            }
        }
    }

    /// <summary>
    /// Loads the model saved at <paramref name="path"/> into <paramref name="module"/> (a model of the
    /// same layers), decrypting it with <paramref name="key"/> when it is encrypted.
    /// </summary>
    /// <exception cref="InvalidInputException">
    /// the file is missing, plain while a key is given, encrypted while none (or another) is, damaged or
    /// truncated, or TorchSharp cannot load it into the module (naming the file); the module is left as it was
    /// when the file does not decrypt.
    /// </exception>
    public static void Load(nn.Module module, string path, StorageKey? key)
    {
        ArgumentNullException.ThrowIfNull(module);
        var plain = StoredFile.Read(path, key, EncryptedContent.ModelFile, "model file");
        try
        {
            using var memory = new MemoryStream(plain, writable: false);
            module.load(memory);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
        {
            throw new InvalidInputException(path, "", $"TorchSharp cannot load it into this model: {e.Message}", e);
        }
        finally
        {
            if (key is not null)
            {
                Array.Clear(plain);
            }
        }
    }
}
