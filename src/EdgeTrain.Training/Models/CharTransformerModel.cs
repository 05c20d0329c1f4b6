using EdgeTrain.Core.Jobs;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Models;

/// <summary>
/// A GPT-style character-level language model (nanoGPT's shape): token and position embeddings, blocks of causal
/// self-attention and a 4× GELU MLP, each behind a layer norm with a residual connection, a final layer norm and a
/// linear head without bias. Input: token ids [batch, time] (time ≤ the context); output: logits [batch, time,
/// vocabulary], each position predicting the next token from itself and those before it. Parameters, in order:
/// <c>tokenEmbedding.weight</c>, <c>positionEmbedding.weight</c>, each block's <c>norm1</c>, <c>attention.qkv</c>,
/// <c>attention.proj</c>, <c>norm2</c>, <c>mlpIn</c>, <c>mlpOut</c> (weights then biases), <c>norm</c>, <c>head.weight</c>.
/// </summary>
public sealed class CharTransformerModel : Module<Tensor, Tensor>
{
    // registered through reflection in declaration order: the field names are the parameters' names
    private readonly Embedding tokenEmbedding;
    private readonly Embedding positionEmbedding;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm norm;
    private readonly Linear head;
    private readonly int context;

    /// <summary>Creates the model of <paramref name="spec"/>'s sizes (libtorch's default initialisation; see <see cref="ParameterInitializer"/>).</summary>
    /// <exception cref="ArgumentException">the sizes make no model.</exception>
    public CharTransformerModel(TransformerSpec spec) : base(nameof(CharTransformerModel))
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(spec));
        }

        context = spec.Context;
        tokenEmbedding = Embedding(spec.Vocabulary, spec.Width);
        positionEmbedding = Embedding(spec.Context, spec.Width);
        blocks = new ModuleList<TransformerBlock>([.. Enumerable.Range(0, spec.Layers).Select(_ => new TransformerBlock(spec))]);
        norm = LayerNorm([spec.Width]);
        head = Linear(spec.Width, spec.Vocabulary, hasBias: false);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var time = input.shape[1];
        if (time > context)
        {
            throw new ArgumentException($"a sequence of {time} tokens is longer than the context ({context})", nameof(input));
        }

        using var scope = NewDisposeScope();
        using var positions = arange(time, ScalarType.Int64, input.device);
        var x = tokenEmbedding.forward(input) + positionEmbedding.forward(positions);
        foreach (var block in blocks)
        {
            x = block.forward(x);
        }

        return head.forward(norm.forward(x)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            tokenEmbedding.Dispose();
            positionEmbedding.Dispose();
            blocks.Dispose();
            norm.Dispose();
            head.Dispose();
        }

        base.Dispose(disposing);
    }
}
