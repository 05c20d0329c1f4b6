using EdgeTrain.Core;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Core.Security;
using EdgeTrain.Training.Models;

namespace EdgeTrain.Training.Parameters;

/// <summary>
/// Reads a checkpoint file (<see cref="CheckpointFile"/>: what <c>edgetrain checkpoint export</c>
/// writes) as the flat parameter vector of a job's model, for <c>edgetrain evaluate --model</c> and
/// <c>train-local --init</c>. The slices, in index order, are the model's flat vector
/// (<see cref="FlatParameterView"/> order), so a checkpoint fits any job whose model has the same
/// layer sizes, whatever its slice size.
/// </summary>
public static class ModelCheckpoint
{
    /// <summary>
    /// The checkpoint at <paramref name="path"/> and its flat parameters, checked against
    /// <paramref name="spec"/>'s model; an encrypted file is decrypted with <paramref name="key"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">
    /// the file is missing or damaged, does not fit the model, is encrypted and no key (or another key) is
    /// given, or is plain and a key is given (naming the file).
    /// </exception>
    public static (CheckpointContents Checkpoint, float[] Parameters) Load(string path, JobSpec spec, StorageKey? key = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(spec);
        var checkpoint = CheckpointFile.Read(path, key);
        float[] flat;
        try
        {
            flat = checkpoint.Flatten();
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidInputException(path, "slices", e.Message, e);
        }

        int expected;
        using (var model = ModelFactory.Create(spec.Model, spec.Seed))
        {
            expected = new FlatParameterView(model).TotalFloats;
        }

        if (flat.Length != expected)
        {
            throw new InvalidInputException(path, "slices",
                $"holds {flat.Length} parameters; the {spec.Model.Kind.ToString().ToLowerInvariant()} model of job {spec.Name} has {expected}");
        }

        return (checkpoint, flat);
    }
}
