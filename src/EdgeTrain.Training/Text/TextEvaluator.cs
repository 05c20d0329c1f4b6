using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Text;

/// <summary>
/// Scores a language model on held-out text in bits per character: the cross-entropy of every byte it predicts, in
/// bits, over the characters those bytes make. At most <c>maxBytes</c> predicted bytes, in windows spread evenly over
/// the text (each window predicts its last <c>context</c> bytes from those before).
/// </summary>
public static class TextEvaluator
{
    /// <summary>Bytes predicted by a progress evaluation (single process and cluster alike), in windows spread over the held-out text.</summary>
    public const int ValidationBytes = 32_768;

    /// <summary>
    /// Bits per character of <paramref name="model"/> on <paramref name="heldOut"/> (UTF-8), in windows of
    /// <paramref name="context"/>, at most <paramref name="maxBytes"/> bytes predicted; NaN when the text holds no window.
    /// </summary>
    public static double BitsPerCharacter(Module<Tensor, Tensor> model, byte[] heldOut, int context, Device device, int maxBytes = 65_536)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(heldOut);
        var starts = heldOut.Length - context - 1;
        if (starts < 0)
        {
            return double.NaN;
        }

        var windows = Math.Max(1, Math.Min(maxBytes / context, (starts / context) + 1));
        model.eval();
        using var noGrad = no_grad();
        double nats = 0;
        long characters = 0;
        const int Batch = 64;
        for (var first = 0; first < windows; first += Batch)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(Batch, windows - first);
            var rows = new long[count * (context + 1)];
            for (var w = 0; w < count; w++)
            {
                // evenly spread: window 0 at the start, the last at the end
                var offset = windows == 1 ? 0 : (long)(first + w) * starts / (windows - 1);
                for (var t = 0; t <= context; t++)
                {
                    rows[(w * (context + 1)) + t] = heldOut[offset + t];
                }

                characters += TextSplit.Characters(heldOut.AsSpan((int)offset + 1, context));
            }

            var tokens = tensor(rows, [count, context + 1]).to(device);
            var logits = model.forward(tokens.narrow(1, 0, context));
            nats += functional.cross_entropy(logits.reshape(-1, logits.shape[2]), tokens.narrow(1, 1, context).reshape(-1), reduction: Reduction.Sum).item<float>();
        }

        return characters == 0 ? double.NaN : nats / Math.Log(2) / characters;
    }
}
