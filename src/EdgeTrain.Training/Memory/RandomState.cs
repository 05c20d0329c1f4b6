using static TorchSharp.torch;

namespace EdgeTrain.Training.Memory;

/// <summary>libtorch's default CPU generator, saved and put back (dropout recomputed must draw the same mask).</summary>
internal static class RandomState
{
    public static Tensor Save() => get_rng_state();

    public static void Restore(Tensor state) => set_rng_state(state);
}
