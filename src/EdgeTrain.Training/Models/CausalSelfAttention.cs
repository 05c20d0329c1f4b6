using EdgeTrain.Core.Jobs;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Models;

/// <summary>
/// Multi-head causal self-attention: one linear layer makes queries, keys and values for every head, each position
/// attends (scaled dot product, softmax) to itself and the positions before it only, and a linear layer projects the
/// heads back to the width.
/// </summary>
public sealed class CausalSelfAttention : Module<Tensor, Tensor>
{
    // registered through reflection in declaration order: the field names are the parameters' names
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly Dropout dropout;
    private readonly int heads;
    private readonly int width;

    /// <summary>The attention of <paramref name="spec"/>'s width and heads.</summary>
    public CausalSelfAttention(TransformerSpec spec) : base(nameof(CausalSelfAttention))
    {
        ArgumentNullException.ThrowIfNull(spec);
        heads = spec.Heads;
        width = spec.Width;
        qkv = Linear(width, 3L * width);
        proj = Linear(width, width);
        dropout = Dropout(spec.Dropout);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var (batch, time) = (input.shape[0], input.shape[1]);
        var size = width / heads;
        var parts = qkv.forward(input).split(width, 2);
        // [batch, heads, time, size]
        var q = parts[0].view(batch, time, heads, size).transpose(1, 2);
        var k = parts[1].view(batch, time, heads, size).transpose(1, 2);
        var v = parts[2].view(batch, time, heads, size).transpose(1, 2);
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(size);
        var future = ones(time, time, ScalarType.Bool, input.device).triu(1);
        var weights = functional.softmax(scores.masked_fill(future, double.NegativeInfinity), -1);
        var mixed = dropout.forward(weights).matmul(v).transpose(1, 2).contiguous().view(batch, time, width);
        return dropout.forward(proj.forward(mixed)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            qkv.Dispose();
            proj.Dispose();
            dropout.Dispose();
        }

        base.Dispose(disposing);
    }
}
