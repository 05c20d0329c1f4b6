using System.Text;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Text;

/// <summary>Text from a language model: each next byte drawn from its softmax at a temperature, by a seeded generator.</summary>
public static class TextGenerator
{
    /// <summary>The prompt of the samples a job's progress shows: how the corpus's addresses open.</summary>
    public const string Opening = "Fellow-Citizens of the Senate and House of Representatives: ";

    /// <summary>
    /// <paramref name="length"/> bytes after <paramref name="prompt"/>, the model seeing at most its last
    /// <paramref name="context"/> bytes, decoded as UTF-8 (an incomplete character at the end is replaced).
    /// </summary>
    public static string Continue(Module<Tensor, Tensor> model, string prompt, int length, int context, double temperature, int seed, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        var random = new Random(seed);
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(prompt.Length == 0 ? "\n" : prompt));
        var generated = new List<byte>(length);
        model.eval();
        using var noGrad = no_grad();
        for (var i = 0; i < length; i++)
        {
            using var scope = NewDisposeScope();
            var window = bytes.Skip(Math.Max(0, bytes.Count - context)).Select(b => (long)b).ToArray();
            var logits = model.forward(tensor(window, [1, window.Length]).to(device));
            var probabilities = functional.softmax(logits[0, window.Length - 1] / temperature, 0).cpu().data<float>().ToArray();
            var next = Draw(probabilities, random.NextDouble());
            bytes.Add(next);
            generated.Add(next);
        }

        return Encoding.UTF8.GetString([.. generated]);
    }

    private static byte Draw(float[] probabilities, double u)
    {
        double sum = 0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            sum += probabilities[i];
            if (u < sum)
            {
                return (byte)i;
            }
        }

        return (byte)(probabilities.Length - 1);
    }
}
