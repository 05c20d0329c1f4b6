using System.Security.Cryptography;

namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>One share of a secret: its x (1 … 255) and one byte of y per byte of the secret.</summary>
/// <param name="X">The point the polynomials were evaluated at.</param>
/// <param name="Y">The values, one per byte of the secret.</param>
public sealed record SecretShare(byte X, byte[] Y);

/// <summary>
/// Shamir's t-of-n secret sharing over GF(2⁸), byte by byte: each byte of the secret is the constant term
/// of its own random polynomial of degree t − 1 (coefficients from the system's cryptographic generator);
/// share i is every polynomial at x = i. Any t shares give the secret back (Lagrange interpolation at 0);
/// fewer give no information about it. The field is AES's (x⁸ + x⁴ + x³ + x + 1), so no byte is biased.
/// </summary>
public static class ShamirSharing
{
    /// <summary>Splits <paramref name="secret"/> into <paramref name="shares"/> shares, any <paramref name="threshold"/> of which recover it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">threshold below 1 or above the number of shares, or more than 255 shares.</exception>
    public static IReadOnlyList<SecretShare> Split(ReadOnlySpan<byte> secret, int threshold, int shares)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shares, 255);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threshold, shares);
        var coefficients = new byte[secret.Length * (threshold - 1)];
        RandomNumberGenerator.Fill(coefficients);
        var result = new SecretShare[shares];
        for (var s = 0; s < shares; s++)
        {
            var x = (byte)(s + 1);
            var y = new byte[secret.Length];
            for (var b = 0; b < secret.Length; b++)
            {
                // Horner: a_{t-1} x^{t-1} + … + a_1 x + secret
                byte value = 0;
                for (var c = threshold - 2; c >= 0; c--)
                {
                    value = (byte)(Gf256.Multiply(value, x) ^ coefficients[(b * (threshold - 1)) + c]);
                }

                y[b] = (byte)(Gf256.Multiply(value, x) ^ secret[b]);
            }

            result[s] = new SecretShare(x, y);
        }

        CryptographicOperations.ZeroMemory(coefficients);
        return result;
    }

    /// <summary>The secret from <paramref name="shares"/> (at least the threshold's number, distinct x, equal lengths).</summary>
    /// <exception cref="ArgumentException">no shares, a repeated or zero x, or shares of different lengths.</exception>
    public static byte[] Combine(IReadOnlyList<SecretShare> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        if (shares.Count == 0)
        {
            throw new ArgumentException("no shares", nameof(shares));
        }

        var length = shares[0].Y.Length;
        if (shares.Any(s => s.X == 0 || s.Y.Length != length) || shares.Select(s => s.X).Distinct().Count() != shares.Count)
        {
            throw new ArgumentException("shares must have distinct non-zero x and values of one length", nameof(shares));
        }

        // Lagrange basis at 0: l_i = Π_{j≠i} x_j / (x_j − x_i); in GF(2⁸) subtraction is xor
        var basis = new byte[shares.Count];
        for (var i = 0; i < shares.Count; i++)
        {
            byte numerator = 1, denominator = 1;
            for (var j = 0; j < shares.Count; j++)
            {
                if (i != j)
                {
                    numerator = Gf256.Multiply(numerator, shares[j].X);
                    denominator = Gf256.Multiply(denominator, (byte)(shares[j].X ^ shares[i].X));
                }
            }

            basis[i] = Gf256.Divide(numerator, denominator);
        }

        var secret = new byte[length];
        for (var b = 0; b < length; b++)
        {
            byte value = 0;
            for (var i = 0; i < shares.Count; i++)
            {
                value ^= Gf256.Multiply(basis[i], shares[i].Y[b]);
            }

            secret[b] = value;
        }

        return secret;
    }
}
