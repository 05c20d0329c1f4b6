using System.Text;
using EdgeTrain.Core.Data;

namespace EdgeTrain.Training.Text;

/// <summary>
/// The training and held-out text of some documents, as UTF-8 bytes (the language model's tokens): each document's
/// last <see cref="HeldOutFraction"/> of characters is held out for evaluation, the rest trained on; documents follow
/// each other separated by a blank line.
/// </summary>
public sealed class TextSplit
{
    /// <summary>The share of each document held out: 5 %.</summary>
    public const double HeldOutFraction = 0.05;

    private static readonly byte[] Separator = "\n\n"u8.ToArray();

    private TextSplit(byte[] training, byte[] heldOut)
    {
        Training = training;
        HeldOut = heldOut;
    }

    /// <summary>The bytes trained on.</summary>
    public byte[] Training { get; }

    /// <summary>The bytes held out.</summary>
    public byte[] HeldOut { get; }

    /// <summary>The split of documents <paramref name="indices"/> of <paramref name="documents"/>.</summary>
    public static TextSplit Of(IReadOnlyList<TextDocument> documents, IEnumerable<int> indices)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(indices);
        using var training = new MemoryStream();
        using var heldOut = new MemoryStream();
        foreach (var i in indices)
        {
            var text = documents[i].Text;
            var cut = TextPartitioner.TrainingLength(text.Length, HeldOutFraction);
            if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
            {
                cut--; // never between the halves of a surrogate pair
            }

            Append(training, text[..cut]);
            Append(heldOut, text[cut..]);
        }

        return new TextSplit(training.ToArray(), heldOut.ToArray());
    }

    /// <summary>The characters in <paramref name="utf8"/>: the bytes that begin one.</summary>
    public static long Characters(ReadOnlySpan<byte> utf8)
    {
        long count = 0;
        foreach (var b in utf8)
        {
            if ((b & 0xC0) != 0x80)
            {
                count++;
            }
        }

        return count;
    }

    private static void Append(MemoryStream stream, string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        if (stream.Length > 0)
        {
            stream.Write(Separator);
        }

        stream.Write(Encoding.UTF8.GetBytes(text));
    }
}
