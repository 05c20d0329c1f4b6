using EdgeTrain.Core;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;
using static EdgeTrain.Tests.FloatData;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Tests.Parameters;

/// <summary>The saved model (<c>model.bin</c>): TorchSharp's format, encrypted with a storage key when one is given.</summary>
public sealed class ModelFileSpec : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private static nn.Module<Tensor, Tensor> Mlp(int seed) => ModelFactory.Create(new ModelSpec(ModelKind.Mlp, [16], [], 0), seed);

    [Fact]
    public void An_encrypted_model_loads_back_into_a_model_of_the_same_layers_bit_for_bit()
    {
        var key = StorageKey.CreateFile(folder.File("a.key"));
        var path = folder.File("jobs/j/model.bin");
        using var saved = Mlp(1);
        using var loaded = Mlp(2);

        ModelFile.Save(saved, path, key);
        ModelFile.Load(loaded, path, key);

        var bytes = File.ReadAllBytes(path);
        Assert.True(EncryptedBlob.IsEncrypted(bytes));
        Assert.Equal(key.Id, EncryptedBlob.KeyIdOf(bytes));
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        AssertBitwiseEqual(new FlatParameterView(saved).ToArray(), new FlatParameterView(loaded).ToArray());
    }

    [Fact]
    public void A_plain_model_is_what_TorchSharp_writes_and_loads_without_a_key()
    {
        var path = folder.File("model.bin");
        using var saved = Mlp(1);
        using var loaded = Mlp(2);

        ModelFile.Save(saved, path, null);
        ModelFile.Load(loaded, path, null);

        Assert.False(EncryptedBlob.IsEncrypted(File.ReadAllBytes(path)));
        AssertBitwiseEqual(new FlatParameterView(saved).ToArray(), new FlatParameterView(loaded).ToArray());
    }

    [Fact]
    public void A_model_of_another_key_or_without_a_key_or_damaged_is_refused_naming_the_file_and_the_module_is_untouched()
    {
        var key = StorageKey.CreateFile(folder.File("a.key"));
        var other = StorageKey.CreateFile(folder.File("b.key"));
        var path = folder.File("model.bin");
        using var saved = Mlp(1);
        using var target = Mlp(2);
        var before = new FlatParameterView(target).ToArray();
        ModelFile.Save(saved, path, key);

        var wrongKey = Assert.Throws<InvalidInputException>(() => ModelFile.Load(target, path, other));
        var noKey = Assert.Throws<InvalidInputException>(() => ModelFile.Load(target, path, null));
        var bytes = File.ReadAllBytes(path);
        bytes[^100] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        var damaged = Assert.Throws<InvalidInputException>(() => ModelFile.Load(target, path, key));

        Assert.StartsWith($"{path}: key id: encrypted with another storage key: it needs key {key.Id}, the configured key is {other.Id}", wrongKey.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}: encryption: encrypted with storage key {key.Id}, and no storage key is configured", noKey.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}: tag: the file is damaged or was changed", damaged.Message, StringComparison.Ordinal);
        AssertBitwiseEqual(before, new FlatParameterView(target).ToArray());
    }

    [Fact]
    public void A_plain_model_is_refused_when_a_key_is_configured()
    {
        var key = StorageKey.CreateFile(folder.File("a.key"));
        var path = folder.File("model.bin");
        using var saved = Mlp(1);
        ModelFile.Save(saved, path, null);

        var e = Assert.Throws<InvalidInputException>(() => ModelFile.Load(saved, path, key));

        Assert.StartsWith($"{path}: encryption: not encrypted, and a storage key is configured ({key.Id}", e.Message, StringComparison.Ordinal);
    }
}
