using System.Globalization;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Data;
using EdgeTrain.Training.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Split;

/// <summary>
/// The TorchSharp modules of some of a split model's layers, built as <see cref="CnnModel"/> and <see cref="MlpModel"/>
/// build them (same modules, same order, so the parameters of a part are its range of the whole model's flat vector).
/// Only those layers are allocated: a data node never holds the split-server's parameters, nor the other way round.
/// Values come from the job's slices; the modules start from libtorch's default initialisation.
/// </summary>
public static class SplitModules
{
    /// <summary>The layers <paramref name="layers"/> of <paramref name="layout"/>'s model, in order, as one sequential module.</summary>
    public static Module<Tensor, Tensor> Build(SplitLayout layout, IEnumerable<string> layers)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(layers);
        var model = layout.Model;
        var modules = new List<(string, Module<Tensor, Tensor>)>();
        foreach (var layer in layers)
        {
            modules.AddRange(Layer(model, layer));
        }

        return Sequential(modules);
    }

    private static IEnumerable<(string, Module<Tensor, Tensor>)> Layer(ModelSpec model, string layer)
    {
        var cnn = model.Kind == ModelKind.Cnn;
        switch (layer)
        {
            case "conv1" when cnn:
                return [("conv1", Conv2d(1, model.ConvChannels[0], 3)), ("relu1", ReLU())];
            case "conv2" when cnn:
                return
                [
                    ("conv2", Conv2d(model.ConvChannels[0], model.ConvChannels[1], 3)), ("relu2", ReLU()), ("pool", MaxPool2d(2)),
                    ("drop", Dropout(model.Dropout)), ("flatten", Flatten()),
                ];
            case "out":
                return [("out", Linear(InputWidth(model, model.Hidden.Count), MnistSet.Classes))];
            default:
                var k = int.Parse(layer.AsSpan(2), CultureInfo.InvariantCulture);
                var linear = (layer, (Module<Tensor, Tensor>)Linear(InputWidth(model, k - 1), model.Hidden[k - 1]));
                var relu = ($"relu{k}", (Module<Tensor, Tensor>)ReLU());
                // the CNN's dense layers drop out at twice the features' rate (CnnModel)
                return cnn ? [linear, relu, ($"drop{k}", Dropout(Math.Min(1.0, model.Dropout * 2)))] : [linear, relu];
        }
    }

    // the input width of dense layer k + 1 (k = 0: the first dense layer's, after the convolutions or the pixels)
    private static int InputWidth(ModelSpec model, int k) => k > 0
        ? model.Hidden[k - 1]
        : model.Kind == ModelKind.Cnn ? model.ConvChannels[1] * 12 * 12 : MnistSet.Pixels;
}
