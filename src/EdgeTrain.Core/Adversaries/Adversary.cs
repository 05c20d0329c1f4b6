using System.Globalization;

namespace EdgeTrain.Core.Adversaries;

/// <summary>How an attacking trainer misbehaves (<see cref="Adversary"/>).</summary>
public enum AdversaryMode
{
    /// <summary>Sends −update.</summary>
    SignFlip,

    /// <summary>Sends X·update.</summary>
    Scale,

    /// <summary>Sends NaN values (forged into the encoded payload: the honest encoder refuses them).</summary>
    Nan,

    /// <summary>Sends Gaussian noise of standard deviation σ instead of its update.</summary>
    Noise,

    /// <summary>Sends zeros: a free rider that claims its samples without training.</summary>
    Zero,

    /// <summary>Trains honestly on wrong labels (9 − y): a poisoned data set.</summary>
    LabelFlip,

    /// <summary>
    /// In a secure aggregation round, sends its keys and shares and then nothing more: a device that dies
    /// mid-round (the demo's <c>--chaos kill-mid-round</c> then kills its process). Its updates are honest.
    /// </summary>
    DropMidRound,
}

/// <summary>
/// A trainer that attacks the job (<c>edgetrain.training.adversary</c>; <c>edgetrain demo --adversaries
/// K:MODE</c>): only for demonstrating and measuring the defences. <see cref="Apply"/> turns an honest
/// update into the attack's; <see cref="LabelFlip"/> poisons the labels instead.
/// </summary>
public sealed record Adversary(AdversaryMode Mode, double Value = 0)
{
    /// <summary>The modes as written: what <see cref="Parse"/> accepts.</summary>
    public const string Modes = "sign-flip, scale=X, nan, noise=SIGMA, zero, label-flip, drop-mid-round";

    /// <summary>What a <see cref="AdversaryMode.DropMidRound"/> trainer logs when it goes silent (the demo's chaos looks for it).</summary>
    public const string DropMidRoundMarker = "dropping out mid-round";

    /// <summary>Whether it poisons the labels rather than the update.</summary>
    public bool LabelFlip => Mode == AdversaryMode.LabelFlip;

    /// <summary>Reads a mode as written (<see cref="Modes"/>); null for an empty text (an honest node).</summary>
    /// <exception cref="InvalidInputException">an unknown mode, or a value that is missing, not a number, or out of range.</exception>
    public static Adversary? Parse(string? text, string source = "configuration", string key = "edgetrain.training.adversary")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var (name, value) = text.Trim().Split('=', 2) is [var n, var v] ? (n.Trim(), v.Trim()) : (text.Trim(), (string?)null);
        return name switch
        {
            "sign-flip" when value is null => new(AdversaryMode.SignFlip),
            "nan" when value is null => new(AdversaryMode.Nan),
            "zero" when value is null => new(AdversaryMode.Zero),
            "label-flip" when value is null => new(AdversaryMode.LabelFlip),
            "drop-mid-round" when value is null => new(AdversaryMode.DropMidRound),
            "scale" => new(AdversaryMode.Scale, Number(value, source, key, "scale=X, X a finite number (e.g. scale=-10)", allowNegative: true)),
            "noise" => new(AdversaryMode.Noise, Number(value, source, key, "noise=SIGMA, SIGMA a number above 0 (e.g. noise=0.1)", allowNegative: false)),
            "sign-flip" or "nan" or "zero" or "label-flip" or "drop-mid-round" => throw new InvalidInputException(source, key, $"'{name}' takes no value, found '{text}'"),
            _ => throw new InvalidInputException(source, key, $"expected one of {Modes}, found '{text}'"),
        };
    }

    /// <summary>Replaces <paramref name="update"/> (in place) by the attack's; <paramref name="random"/> draws the noise.</summary>
    public void Apply(Span<float> update, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        switch (Mode)
        {
            case AdversaryMode.SignFlip:
                Scale(update, -1f);
                break;
            case AdversaryMode.Scale:
                Scale(update, (float)Value);
                break;
            case AdversaryMode.Nan:
                // the encoder refuses NaN: this attack is forged into the encoded payload (Forge)
                break;
            case AdversaryMode.Zero:
                update.Clear();
                break;
            case AdversaryMode.Noise:
                for (var i = 0; i < update.Length; i++)
                {
                    // Box–Muller
                    var u1 = 1.0 - random.NextDouble();
                    var u2 = random.NextDouble();
                    update[i] = (float)(Value * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
                }

                break;
            case AdversaryMode.LabelFlip:
            case AdversaryMode.DropMidRound:
                break;
        }
    }

    /// <summary>
    /// The payload the attacker sends for an encoded slice of <paramref name="floats"/> values: for
    /// <see cref="AdversaryMode.Nan"/>, a copy whose last 4·<paramref name="floats"/> bytes (a dense
    /// float32 payload's values) are NaN, as a malicious trainer would write them past the honest
    /// encoder's check; the payload itself for every other mode.
    /// </summary>
    public byte[] Forge(byte[] payload, int floats)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (Mode != AdversaryMode.Nan)
        {
            return payload;
        }

        var forged = (byte[])payload.Clone();
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(forged.AsSpan(Math.Max(0, forged.Length - (4 * floats))));
        values.Fill(float.NaN);
        return forged;
    }

    /// <summary>The label a label-flipping trainer trains on instead of <paramref name="label"/> (of <paramref name="classes"/>).</summary>
    public static byte FlipLabel(byte label, int classes) => (byte)(classes - 1 - label);

    /// <inheritdoc />
    public override string ToString() => Mode switch
    {
        AdversaryMode.SignFlip => "sign-flip",
        AdversaryMode.Scale => string.Create(CultureInfo.InvariantCulture, $"scale={Value}"),
        AdversaryMode.Nan => "nan",
        AdversaryMode.Noise => string.Create(CultureInfo.InvariantCulture, $"noise={Value}"),
        AdversaryMode.Zero => "zero",
        AdversaryMode.DropMidRound => "drop-mid-round",
        _ => "label-flip",
    };

    private static void Scale(Span<float> update, float factor)
    {
        for (var i = 0; i < update.Length; i++)
        {
            update[i] *= factor;
        }
    }

    private static double Number(string? value, string source, string key, string expected, bool allowNegative)
    {
        if (value is null || !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number) || (!allowNegative && number <= 0))
        {
            throw new InvalidInputException(source, key, $"expected {expected}, found '{value}'");
        }

        return number;
    }
}
