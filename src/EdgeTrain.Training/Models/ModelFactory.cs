using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Data;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Models;

/// <summary>Builds the TorchSharp module a job's <see cref="ModelSpec"/> describes, for MNIST-shaped input.</summary>
public static class ModelFactory
{
    /// <summary>Creates the model with parameters drawn by <see cref="ParameterInitializer"/> from <paramref name="seed"/>, so every node starts from the same bits.</summary>
    public static Module<Tensor, Tensor> Create(ModelSpec spec, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Module<Tensor, Tensor> model = spec.Kind switch
        {
            ModelKind.Mlp => new MlpModel(MnistSet.Pixels, spec.Hidden, MnistSet.Classes),
            ModelKind.Cnn => new CnnModel(spec.ConvChannels, spec.Hidden, spec.Dropout, MnistSet.Classes),
            ModelKind.CharTransformer => new CharTransformerModel(spec.Transformer ?? throw new ArgumentException("a char-transformer needs its sizes (model.transformer)", nameof(spec))),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "unknown model kind"),
        };
        ParameterInitializer.Initialize(model, seed);
        return model;
    }
}
