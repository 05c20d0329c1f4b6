using EdgeTrain.Core.Jobs;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Models;

/// <summary>One block of <see cref="CharTransformerModel"/>: x + attention(norm1(x)), then + MLP(norm2(x)).</summary>
public sealed class TransformerBlock : Module<Tensor, Tensor>
{
    // registered through reflection in declaration order: the field names are the parameters' names
    private readonly LayerNorm norm1;
    private readonly CausalSelfAttention attention;
    private readonly LayerNorm norm2;
    private readonly Linear mlpIn;
    private readonly Linear mlpOut;
    private readonly GELU gelu = GELU();
    private readonly Dropout dropout;

    /// <summary>A block of <paramref name="spec"/>'s width and heads.</summary>
    public TransformerBlock(TransformerSpec spec) : base(nameof(TransformerBlock))
    {
        ArgumentNullException.ThrowIfNull(spec);
        norm1 = LayerNorm([spec.Width]);
        attention = new CausalSelfAttention(spec);
        norm2 = LayerNorm([spec.Width]);
        mlpIn = Linear(spec.Width, 4L * spec.Width);
        mlpOut = Linear(4L * spec.Width, spec.Width);
        dropout = Dropout(spec.Dropout);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var x = input + attention.forward(norm1.forward(input));
        x = x + dropout.forward(mlpOut.forward(gelu.forward(mlpIn.forward(norm2.forward(x)))));
        return x.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            norm1.Dispose();
            attention.Dispose();
            norm2.Dispose();
            mlpIn.Dispose();
            mlpOut.Dispose();
            gelu.Dispose();
            dropout.Dispose();
        }

        base.Dispose(disposing);
    }
}
