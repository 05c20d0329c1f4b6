using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Security.Cryptography;

namespace EdgeTrain.Core.Privacy;

/// <summary>
/// Client-level differential privacy in shares (<c>privacy.mode = client</c> with secure aggregation): each
/// trainer clips its whole update to L2 norm C and adds its share of the round's Gaussian noise, so that the
/// sum the aggregator recovers carries noise of standard deviation at least σ·C however many of the round's
/// participants drop out — each share has variance σ²C²/t, t the fewest survivors a round can finish with —
/// and no single share is ever seen (the aggregator holds masked vectors and the sum only).
/// </summary>
public static class ClientLevelNoise
{
    /// <summary>Scales <paramref name="update"/> down to L2 norm <paramref name="clip"/> when it is longer; returns its norm before.</summary>
    public static double Clip(Span<float> update, double clip)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clip);
        var norm = TensorPrimitives.Norm<float>(update);
        if (norm > clip)
        {
            TensorPrimitives.Multiply(update, (float)(clip / norm), update);
        }

        return norm;
    }

    /// <summary>The standard deviation of one trainer's share: σ·C/√t, so that any t or more shares sum to at least σ·C.</summary>
    public static double ShareDeviation(double noiseMultiplier, double clip, int threshold)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threshold);
        return noiseMultiplier * clip / Math.Sqrt(threshold);
    }

    /// <summary>Adds Gaussian noise of standard deviation <paramref name="deviation"/> to every value, drawn from the system's cryptographic generator (Box–Muller).</summary>
    public static void Add(Span<float> values, double deviation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deviation);
        var bytes = new byte[16 * ((values.Length + 1) / 2)];
        RandomNumberGenerator.Fill(bytes);
        for (var i = 0; i < values.Length; i += 2)
        {
            // two uniforms in (0, 1] and [0, 1) from 53 random bits each
            var u1 = ((BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8 * i)) >> 11) + 1) * (1.0 / (1UL << 53));
            var u2 = (BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan((8 * i) + 8)) >> 11) * (1.0 / (1UL << 53));
            var radius = deviation * Math.Sqrt(-2 * Math.Log(u1));
            values[i] += (float)(radius * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < values.Length)
            {
                values[i + 1] += (float)(radius * Math.Sin(2 * Math.PI * u2));
            }
        }
    }
}
