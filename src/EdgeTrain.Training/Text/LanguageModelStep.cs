using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Text;

/// <summary>
/// One optimizer step of a language model on a batch of windows (or only its gradients): logits for every position, the cross-entropy of
/// each next byte (mean over the batch and positions, in nats), backward, step; every tensor of the step dies with it.
/// </summary>
public sealed class LanguageModelStep(Module<Tensor, Tensor> model, optim.Optimizer optimizer)
{
    /// <summary>Trains on <paramref name="inputs"/> → <paramref name="targets"/> ([batch, time] token ids) and returns the mean loss in nats.</summary>
    public float Run(Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var loss = Backward(inputs, targets);
        optimizer.step();
        return loss.item<float>();
    }

    /// <summary>Forward and backward without an optimizer step: the gradients stay on the parameters. Returns the mean loss in nats.</summary>
    public float Gradients(Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        return Backward(inputs, targets).item<float>();
    }

    // logits, cross-entropy of every next byte and backward, in the caller's dispose scope
    private Tensor Backward(Tensor inputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        model.train();
        optimizer.zero_grad();
        var logits = model.forward(inputs);
        var loss = functional.cross_entropy(logits.reshape(-1, logits.shape[2]), targets.reshape(-1));
        loss.backward();
        return loss;
    }
}
