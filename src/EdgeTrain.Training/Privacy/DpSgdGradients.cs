using System.Security.Cryptography;
using EdgeTrain.Training.Models;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Privacy;

/// <summary>
/// Example-level DP-SGD gradients of an <see cref="MlpModel"/> (Abadi et al. 2016): every example's
/// gradient clipped to L2 norm C, the clipped gradients summed, Gaussian noise of standard deviation
/// σ·C added to each parameter's sum, the whole divided by the batch size. Per-example gradients of a
/// linear layer are outer products (the gradient at the layer's output times its input, as Opacus
/// computes them), so they are never materialised: the forward and backward passes run by hand over
/// the layers, each example's squared norm is Σ over layers of ‖g‖²(‖a‖² + 1), and a layer's clipped
/// sum is one matrix product (c ⊙ G)ᵀA. The result lands in the parameters' <c>.grad</c>, where the
/// optimizer and the flat view read it, as after <c>backward()</c>. The noise comes from a generator
/// seeded from the operating system's cryptographic random numbers, never from the job's seed.
/// </summary>
public sealed class DpSgdGradients
{
    private readonly MlpModel model;
    private readonly double clip;
    private readonly double noiseMultiplier;
    private readonly Generator noise;

    /// <summary>DP-SGD for <paramref name="model"/> with clipping norm <paramref name="clip"/> and noise multiplier <paramref name="noiseMultiplier"/>.</summary>
    public DpSgdGradients(MlpModel model, double clip, double noiseMultiplier)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clip);
        ArgumentOutOfRangeException.ThrowIfNegative(noiseMultiplier);
        this.model = model;
        this.clip = clip;
        this.noiseMultiplier = noiseMultiplier;
        noise = new Generator(BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)));
    }

    /// <summary>How many examples of the last batch were clipped (their gradient's norm was above C).</summary>
    public long LastClipped { get; private set; }

    /// <summary>
    /// Sets the parameters' gradients to the private gradient of the batch <paramref name="inputs"/> /
    /// <paramref name="targets"/>, and returns the batch's mean cross-entropy loss (in the caller's dispose scope).
    /// With a noise multiplier of 0 it is the clipped mean gradient alone (for tests).
    /// </summary>
    public Tensor Backward(Tensor inputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        var layers = model.Linears;
        var batch = inputs.shape[0];
        using var _ = no_grad();
        // forward by hand, keeping each layer's input and pre-activation
        var activations = new List<Tensor>(layers.Count) { inputs.flatten(1) };
        var preActivations = new List<Tensor>(layers.Count);
        for (var l = 0; l < layers.Count; l++)
        {
            var z = nn.functional.linear(activations[l], layers[l].weight!, layers[l].bias);
            preActivations.Add(z);
            if (l < layers.Count - 1)
            {
                activations.Add(nn.functional.relu(z));
            }
        }

        var logits = preActivations[^1];
        var loss = nn.functional.cross_entropy(logits, targets);
        // backward by hand: the gradient of each example's own loss at each layer's output
        var outputGradients = new Tensor[layers.Count];
        outputGradients[^1] = nn.functional.softmax(logits, 1) - nn.functional.one_hot(targets, logits.shape[1]).to(logits.dtype);
        var squaredNorms = zeros(batch, dtype: logits.dtype, device: logits.device);
        for (var l = layers.Count - 1; l >= 0; l--)
        {
            var g = outputGradients[l];
            squaredNorms.add_(g.square().sum(dim: 1) * (activations[l].square().sum(dim: 1) + 1));
            if (l > 0)
            {
                outputGradients[l - 1] = g.matmul(layers[l].weight!) * (preActivations[l - 1] > 0).to(g.dtype);
            }
        }

        var factors = (clip / (squaredNorms.sqrt() + 1e-12)).clamp_max(1.0);
        LastClipped = (factors < 1.0).sum().item<long>();
        var sigma = noiseMultiplier * clip;
        for (var l = 0; l < layers.Count; l++)
        {
            var clipped = outputGradients[l] * factors.unsqueeze(1);
            var weight = clipped.t().matmul(activations[l]);
            var bias = clipped.sum(dim: 0);
            if (sigma > 0)
            {
                weight.add_(randn(weight.shape, dtype: weight.dtype, device: weight.device, generator: noise) * sigma);
                bias.add_(randn(bias.shape, dtype: bias.dtype, device: bias.device, generator: noise) * sigma);
            }

            SetGradient(layers[l].weight!, weight.mul_(1.0 / batch));
            SetGradient(layers[l].bias!, bias.mul_(1.0 / batch));
        }

        return loss;
    }

    private static void SetGradient(Tensor parameter, Tensor gradient)
    {
        if (parameter.grad is { } existing)
        {
            existing.copy_(gradient);
        }
        else
        {
            parameter.grad = gradient.detach().clone().DetachFromDisposeScope();
        }
    }
}
