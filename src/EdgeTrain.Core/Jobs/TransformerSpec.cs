namespace EdgeTrain.Core.Jobs;

/// <summary>
/// The sizes of a character-level GPT-style decoder: token and position embeddings, <paramref name="Layers"/>
/// blocks of causal self-attention (<paramref name="Heads"/> heads) and a 4× MLP, each behind a layer norm with a
/// residual connection, a final layer norm and a linear head over the <paramref name="Vocabulary"/>.
/// </summary>
/// <param name="Layers">Transformer blocks.</param>
/// <param name="Heads">Attention heads per block; <paramref name="Width"/> must be a multiple of it.</param>
/// <param name="Width">The embedding width.</param>
/// <param name="Context">The longest sequence the model attends over (characters).</param>
/// <param name="Vocabulary">Tokens: 256, the bytes of UTF-8 text.</param>
/// <param name="Dropout">Dropout after attention and MLP (0: none).</param>
public sealed record TransformerSpec(int Layers = 4, int Heads = 4, int Width = 128, int Context = 64, int Vocabulary = 256, double Dropout = 0)
{
    /// <summary>The reason these sizes make no model (null: they do).</summary>
    public string? Problem() =>
        Layers < 1 ? $"layers {Layers}: expected at least 1"
        : Heads < 1 ? $"heads {Heads}: expected at least 1"
        : Width < 1 || Width % Heads != 0 ? $"width {Width}: expected a positive multiple of heads ({Heads})"
        : Context < 1 ? $"context {Context}: expected at least 1"
        : Vocabulary < 2 ? $"vocabulary {Vocabulary}: expected at least 2"
        : Dropout is < 0 or >= 1 ? $"dropout {Dropout}: expected 0 to below 1"
        : null;
}
