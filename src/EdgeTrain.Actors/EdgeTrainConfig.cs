using Akka.Configuration;

namespace EdgeTrain.Actors;

/// <summary>The embedded <c>reference.conf</c> of EdgeTrain.Actors: the documented default of every setting.</summary>
public static class EdgeTrainConfig
{
    private static readonly Lazy<Config> Reference = new(() =>
    {
        using var stream = typeof(EdgeTrainConfig).Assembly.GetManifestResourceStream("EdgeTrain.Actors.reference.conf")
            ?? throw new InvalidOperationException("EdgeTrain.Actors.reference.conf is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    });

    /// <summary>The parsed reference configuration.</summary>
    public static Config ReferenceConfig => Reference.Value;
}
