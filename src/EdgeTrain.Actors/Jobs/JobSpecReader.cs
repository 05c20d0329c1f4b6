using System.Text.RegularExpressions;
using Akka.Configuration;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Core;
using EdgeTrain.Core.Aggregation.Robust;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Optimizers;
using EdgeTrain.Training.Models;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// Reads a HOCON job file (one <c>job { … }</c> block; see <c>hocon/jobs/</c>) into a validated
/// <see cref="JobSpec"/>. Optional keys fall back to <c>edgetrain.job-defaults</c> in
/// <c>reference.conf</c>; unknown keys, missing required keys and values out of range are
/// refused with an <see cref="InvalidInputException"/> that names the file and the key.
/// A relative <c>job.data.path</c> is resolved against the job file's folder.
/// </summary>
public static partial class JobSpecReader
{
    /// <summary>The largest slice: 4,194,304 floats (16 MiB), the remoting frame limit.</summary>
    public const int MaxSliceFloats = 4_194_304;

    private static readonly Dictionary<string, ModelKind> Models = new() { ["mlp"] = ModelKind.Mlp, ["cnn"] = ModelKind.Cnn, ["char-transformer"] = ModelKind.CharTransformer };
    private static readonly Dictionary<string, OptimizerKind> Optimizers = new()
    {
        ["sgd"] = OptimizerKind.Sgd,
        ["adam"] = OptimizerKind.Adam,
        ["adamw"] = OptimizerKind.AdamW,
    };
    private static readonly Dictionary<string, PartitioningKind> Partitionings = new()
    {
        ["iid"] = PartitioningKind.Iid,
        ["non-iid-label"] = PartitioningKind.NonIidLabel,
        ["by-field"] = PartitioningKind.ByField,
    };

    private static readonly Dictionary<string, string> TextFields = new() { ["year"] = "year", ["party"] = "party" };

    private static readonly Dictionary<string, DataPlacement> Placements = new()
    {
        ["local"] = DataPlacement.Local,
        ["shared"] = DataPlacement.Shared,
    };

    private static readonly Dictionary<string, string> Datasets = new() { ["mnist"] = DataSpec.Mnist, ["text-jsonl"] = DataSpec.TextJsonl };

    private static readonly HashSet<string> KnownKeys =
    [
        "name", "model.type", "model.hidden", "model.conv-channels", "model.dropout", "model.layers", "model.heads", "model.width", "model.context",
        "data.field", "target-loss", "evaluate-every",
        "model.split.cut-after", "model.split.labels", "model.split.codec.type", "model.split.codec.top-k", "model.split.codec.block-size",
        "data.dataset", "data.path", "data.partitioning", "data.labels-per-partition", "data.placement", "redundancy.replicas", "redundancy.spot-check-rate",
        "optimizer.type", "optimizer.learning-rate", "optimizer.momentum", "optimizer.weight-decay",
        "batch-size", "max-epochs", "target-accuracy", "time-limit", "slice-floats", "seed",
        "local-steps", "outer-optimizer.type", "outer-optimizer.learning-rate", "outer-optimizer.momentum",
        "codec.trainer-to-aggregator.type", "codec.trainer-to-aggregator.top-k", "codec.trainer-to-aggregator.block-size",
        "codec.aggregator-to-shard.type", "codec.aggregator-to-shard.top-k", "codec.aggregator-to-shard.block-size",
        "codec.error-feedback", "aggregation.merge-count", "aggregation.merge-interval", "aggregation.wait-for-merge",
        "aggregation.rule", "aggregation.beta", "aggregation.f", "aggregation.m", "aggregation.tau", "aggregation.iterations", "aggregation.clip-norm",
        "aggregation.min-norm",
        "priority", "min-trainers", "max-trainers", "local-time-budget", "memory.recompute",
        "privacy.mode", "privacy.clip", "privacy.noise-multiplier", "privacy.delta", "privacy.target-epsilon", "privacy.secure-aggregation", "privacy.secure-range",
    ];

    private static readonly Dictionary<string, CodecKind> Codecs = new()
    {
        ["none"] = CodecKind.None,
        ["fp16"] = CodecKind.Fp16,
        ["bf16"] = CodecKind.Bf16,
        ["int8"] = CodecKind.Int8,
        ["topk"] = CodecKind.TopK,
        ["topk-int8"] = CodecKind.TopKInt8,
    };

    private static readonly Dictionary<string, ShardOptimizerKind> OuterOptimizers = new()
    {
        ["sgd"] = ShardOptimizerKind.Sgd,
        ["nesterov"] = ShardOptimizerKind.Nesterov,
        ["adam"] = ShardOptimizerKind.Adam,
    };

    /// <summary>Reads and validates the job file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidInputException">the file is missing, not HOCON, or does not validate.</exception>
    public static JobSpec Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InvalidInputException(path, "", "job file not found");
        }

        var full = Path.GetFullPath(path);
        return Parse(File.ReadAllText(full), path, Path.GetDirectoryName(full)!);
    }

    /// <summary>Parses job HOCON; <paramref name="source"/> names it in errors, relative data paths resolve against <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="InvalidInputException">the text is not HOCON or does not validate.</exception>
    public static JobSpec Parse(string hocon, string source, string baseDirectory)
    {
        HoconSyntaxCheck.Check(hocon, source);
        Config root;
        try
        {
            root = ConfigurationFactory.ParseString(hocon);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidInputException(source, "", $"not valid HOCON: {FirstLine(e.Message)}", e);
        }

        if (!root.HasPath("job"))
        {
            throw new InvalidInputException(source, "job", "missing; expected a `job { ... }` block");
        }

        var job = root.GetConfig("job");
        foreach (var key in LeafKeys(job))
        {
            if (!KnownKeys.Contains(key))
            {
                throw new InvalidInputException(source, $"job.{key}", $"unknown key; expected one of {string.Join(", ", KnownKeys)}");
            }
        }

        var defaults = EdgeTrainConfig.ReferenceConfig.GetConfig("edgetrain.job-defaults");
        var fields = new HoconFieldReader(job, defaults, source, "job");

        var name = fields.RequiredString("name", "a job name of letters, digits, '-' and '_'");
        if (!JobName().IsMatch(name))
        {
            throw fields.Error("name", $"expected 1 to 64 letters, digits, '-' or '_', found '{name}'");
        }

        var model = ReadModel(fields, job, defaults, source);
        var data = ReadData(fields, baseDirectory);
        var language = model.Kind == ModelKind.CharTransformer;
        if (language != (data.Dataset == DataSpec.TextJsonl))
        {
            throw fields.Error("data.dataset", language
                ? $"expected text-jsonl with model.type = char-transformer, found {data.Dataset}"
                : $"expected mnist with model.type = {model.Kind.ToString().ToLowerInvariant()}, found {data.Dataset}: text trains a char-transformer");
        }

        if (language ? fields.Has("target-accuracy") : fields.Has("target-loss") || fields.Has("evaluate-every"))
        {
            throw fields.Error(language ? "target-accuracy" : fields.Has("target-loss") ? "target-loss" : "evaluate-every", language
                ? "expected target-loss (validation bits per character) for a language model; accuracy is for classifiers"
                : "expected only with model.type = char-transformer (a language model); a classifier stops at target-accuracy");
        }
        var optimizer = ReadOptimizer(fields);
        var minTrainers = fields.Int("min-trainers", 1, 100_000);
        var maxTrainers = fields.Int("max-trainers", 0, 100_000);
        if (maxTrainers > 0 && maxTrainers < minTrainers)
        {
            throw fields.Error("max-trainers", $"expected 0 (as many as are free) or at least min-trainers ({minTrainers}), found {maxTrainers}");
        }

        var communication = ReadCommunication(fields);
        if (communication.MergeRule.NeedsRounds && communication.MergeRule.ProblemWith(minTrainers) is { } tooFew)
        {
            throw fields.Error("min-trainers", $"{tooFew}: set min-trainers to at least {communication.MergeRule.MinimumContributions} (and place that many in each region)");
        }

        var localSteps = fields.Int("local-steps", 1, 100_000);
        var localTimeBudget = fields.DurationOrOff("local-time-budget");
        if (localTimeBudget > TimeSpan.Zero && localSteps == 1)
        {
            throw fields.Error("local-time-budget", "expected only with local-steps > 1 (it bounds a round's local steps); remove it or set local-steps");
        }

        var redundancy = ReadRedundancy(fields, data.Placement, communication, localTimeBudget);
        var privacy = ReadPrivacy(fields, model, communication, data.Placement);
        var recompute = fields.Bool("memory.recompute");
        if (recompute && language)
        {
            throw fields.Error("memory.recompute", "expected off with model.type = char-transformer in this version: its blocks are not yet cut into recomputed segments");
        }

        if (recompute && privacy is { Mode: PrivacyMode.Example })
        {
            throw fields.Error("memory.recompute", "expected off with privacy.mode = example: DP-SGD computes its own backward pass and keeps what it needs");
        }

        model = model with { Split = ReadSplit(fields, model, data, privacy, recompute) };

        return new JobSpec(
            name,
            model,
            data,
            optimizer,
            BatchSize: fields.Int("batch-size", 1, 65_536, required: true),
            MaxEpochs: fields.Int("max-epochs", 1, 100_000),
            // a language model stops at its target loss: no accuracy is ever reached
            TargetAccuracy: language ? 1 : fields.Double("target-accuracy", 0, 1, required: true, exclusiveMin: true),
            TimeLimit: fields.Duration("time-limit"),
            SliceFloats: fields.Int("slice-floats", 1, MaxSliceFloats),
            Seed: fields.Int("seed", 0, int.MaxValue),
            LocalSteps: localSteps,
            OuterOptimizer: new ShardOptimizerSpec(
                fields.Choice("outer-optimizer.type", OuterOptimizers, required: false),
                (float)fields.Double("outer-optimizer.learning-rate", 0, 10, exclusiveMin: true),
                (float)fields.Double("outer-optimizer.momentum", 0, 1, exclusiveMax: true)),
            Communication: communication,
            Priority: fields.Int("priority", -1_000_000, 1_000_000),
            MinTrainers: minTrainers,
            MaxTrainers: maxTrainers,
            LocalTimeBudget: localTimeBudget,
            Redundancy: redundancy,
            Privacy: privacy)
        {
            Recompute = recompute,
            TargetLoss = language ? fields.Double("target-loss", 0, 16, required: true, exclusiveMin: true) : 0,
            EvaluateEvery = language ? fields.Int("evaluate-every", 1, 1_000_000) : 0,
        };
    }

    private static readonly Dictionary<string, SplitLabels> SplitLabelPlaces = new()
    {
        ["server"] = SplitLabels.Server,
        ["client"] = SplitLabels.Client,
    };

    // model.split.*: where the model is cut and where its loss is; refused with what it cannot run beside, and why
    private static SplitSpec? ReadSplit(HoconFieldReader fields, ModelSpec model, DataSpec data, PrivacySpec? privacy, bool recompute)
    {
        if (!fields.Has("model.split.cut-after"))
        {
            foreach (var key in new[] { "model.split.labels", "model.split.codec.type", "model.split.codec.block-size" })
            {
                if (fields.Has(key))
                {
                    throw fields.Error(key, "expected only with model.split.cut-after (the layer the data nodes' part ends with); set it or remove this");
                }
            }

            return null;
        }

        var labels = fields.Choice("model.split.labels", SplitLabelPlaces, required: false);
        var cut = fields.RequiredString("model.split.cut-after", "the last layer on the data nodes");
        var points = SplitLayout.CutPoints(model, labels);
        if (!points.Contains(cut))
        {
            throw fields.Error("model.split.cut-after", $"expected one of {(points.Count == 0 ? "(none: this model has too few layers to split with labels = " + labels.ToString().ToLowerInvariant() + ")" : string.Join(", ", points))} for this {model.Kind.ToString().ToLowerInvariant()} with labels = {labels.ToString().ToLowerInvariant()}, found '{cut}'");
        }

        var codec = ReadCodec(fields, "model.split.codec");
        if (codec.Kind is CodecKind.TopK or CodecKind.TopKInt8)
        {
            throw fields.Error("model.split.codec.type", "expected none, fp16, bf16 or int8: activations are dense, and a step's dropped values would not come back (no error feedback across batches)");
        }

        if (privacy is not null)
        {
            throw fields.Error("model.split.cut-after", "expected no privacy block with a split job: DP and secure aggregation protect whole-model updates, and a split job's activations cross every step");
        }

        if (data.Placement == DataPlacement.Shared)
        {
            throw fields.Error("model.split.cut-after", "expected data.placement = local with a split job: splitting keeps a node's data on it; shared data needs no split");
        }

        if (recompute)
        {
            throw fields.Error("memory.recompute", "expected off with a split job: a data node keeps only its own layers' activations between a step's messages");
        }

        return new SplitSpec(cut, labels, codec);
    }

    private static readonly Dictionary<string, PrivacyMode> PrivacyModes = new()
    {
        ["off"] = PrivacyMode.Off,
        ["example"] = PrivacyMode.Example,
        ["client"] = PrivacyMode.Client,
    };

    // privacy.*: differential privacy and secure aggregation, refused where they cannot work, with the reason
    private static PrivacySpec? ReadPrivacy(HoconFieldReader fields, ModelSpec model, CommunicationSpec communication, DataPlacement placement)
    {
        var mode = fields.Choice("privacy.mode", PrivacyModes, required: false);
        var secure = fields.Bool("privacy.secure-aggregation");
        if (mode == PrivacyMode.Off)
        {
            foreach (var key in new[] { "privacy.clip", "privacy.noise-multiplier", "privacy.delta", "privacy.target-epsilon" })
            {
                if (fields.Has(key))
                {
                    throw fields.Error(key, "expected only with privacy.mode = example or client; remove it or set privacy.mode");
                }
            }
        }

        if (!secure && fields.Has("privacy.secure-range"))
        {
            throw fields.Error("privacy.secure-range", "expected only with privacy.secure-aggregation = on; remove it or turn secure aggregation on");
        }

        if (mode == PrivacyMode.Example && model.Kind != ModelKind.Mlp)
        {
            throw fields.Error("privacy.mode", $"expected model.type = mlp with privacy.mode = example, found {model.Kind.ToString().ToLowerInvariant()}: per-example gradients are computed for linear layers (an outer product per example)");
        }

        if (mode != PrivacyMode.Off && placement == DataPlacement.Shared)
        {
            throw fields.Error("privacy.mode", "expected off with data.placement = shared: replicas of a work unit must compute the same update, and DP noise differs on each; shared data is public and needs no example privacy");
        }

        if (mode == PrivacyMode.Client && !secure)
        {
            throw fields.Error("privacy.mode", "expected privacy.secure-aggregation = on with privacy.mode = client: each trainer adds only its share of the round's noise, which hides its update only inside the sum that secure aggregation keeps the aggregator to");
        }

        if (mode == PrivacyMode.Client && communication.MergeCount != CommunicationSpec.TrainersInRegion)
        {
            throw fields.Error("aggregation.merge-count", "expected trainers with privacy.mode = client: each trainer adds its share of a round's noise, so a round must merge every trainer of the region");
        }

        if (secure)
        {
            if (communication.TrainerToAggregator.Kind is CodecKind.TopK or CodecKind.TopKInt8)
            {
                throw fields.Error("privacy.secure-aggregation", $"expected a dense codec with secure aggregation, found codec.trainer-to-aggregator.type = {communication.TrainerToAggregator.Kind.ToString().ToLowerInvariant()}: "
                    + "top-k sends different coordinates from each trainer, and masked vectors must cover the same coordinates to cancel in the sum");
            }

            if (communication.Rule is { Kind: AggregationRuleKind.Median or AggregationRuleKind.MultiKrum or AggregationRuleKind.TrimmedMean or AggregationRuleKind.CenteredClip } rule)
            {
                throw fields.Error("privacy.secure-aggregation", $"expected aggregation.rule = mean with secure aggregation, found {rule.Name}: it must see each trainer's update, and the aggregator sees only masked ones and their sum (clip-norm on the trainers stays allowed)");
            }

            if (communication.MergeCount != CommunicationSpec.TrainersInRegion)
            {
                throw fields.Error("aggregation.merge-count", "expected trainers with secure aggregation: the masks cancel only in the sum of one round of every trainer of the region");
            }
        }

        if (mode == PrivacyMode.Off && !secure)
        {
            return null;
        }

        return new PrivacySpec(
            mode,
            Clip: fields.Double("privacy.clip", 0, 1e6, exclusiveMin: true),
            NoiseMultiplier: fields.Double("privacy.noise-multiplier", 0, 1e3, exclusiveMin: true),
            Delta: fields.Double("privacy.delta", 0, 1, exclusiveMin: true, exclusiveMax: true),
            TargetEpsilon: fields.Double("privacy.target-epsilon", 0, 1e6),
            SecureAggregation: secure,
            SecureRange: fields.Double("privacy.secure-range", 0, 1e6, exclusiveMin: true));
    }

    // redundancy.* only with shared data: units voted on need the same samples on every replica
    private static RedundancySpec? ReadRedundancy(HoconFieldReader fields, DataPlacement placement, CommunicationSpec communication, TimeSpan localTimeBudget)
    {
        if (placement == DataPlacement.Local)
        {
            foreach (var key in new[] { "redundancy.replicas", "redundancy.spot-check-rate" })
            {
                if (fields.Has(key))
                {
                    throw fields.Error(key, "expected only with data.placement = shared: local data is private to each trainer and cannot be replicated on other nodes, "
                        + "so a local job relies on the robust aggregation rules (aggregation.rule); remove it or set data.placement = shared");
                }
            }

            return null;
        }

        var replicas = fields.Int("redundancy.replicas", 1, 15);
        if (replicas % 2 == 0)
        {
            throw fields.Error("redundancy.replicas", $"expected an odd number (1 for no voting, 3, 5, …), found {replicas}: {replicas} replicas can split {replicas / 2} against {replicas / 2}, and a tie has no strict majority to accept");
        }

        if (communication.Rule is { } rule)
        {
            throw fields.Error("aggregation.rule", $"expected mean with data.placement = shared, found {rule.Name}: the vote already decides which updates count, and a robust rule would leave accepted units out");
        }

        if (localTimeBudget > TimeSpan.Zero)
        {
            throw fields.Error("local-time-budget", "expected off with data.placement = shared: a time budget makes the steps of a work unit depend on each replica's speed, so replicas could not agree");
        }

        return new RedundancySpec(replicas, fields.Double("redundancy.spot-check-rate", 0, 1));
    }

    private static CommunicationSpec ReadCommunication(HoconFieldReader fields)
    {
        const string mergeCounts = "node, trainers or a whole number from 1 to 10000";
        var mergeCount = fields.String("aggregation.merge-count", mergeCounts);
        if (mergeCount is not ("node" or "trainers") && !int.TryParse(mergeCount, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            throw fields.Error("aggregation.merge-count", $"expected {mergeCounts}, found '{mergeCount}'");
        }

        var rule = ReadRule(fields);
        if (rule.NeedsRounds && mergeCount != "trainers")
        {
            throw fields.Error("aggregation.merge-count", $"expected trainers with aggregation.rule = {rule.Name}{(rule.Clip == ClipNormKind.None && rule.MinNormRatio == 0 ? "" : " or clip-norm or min-norm")}: a robust rule merges one round of every trainer's contribution, found '{mergeCount}'");
        }

        return new CommunicationSpec(
            ReadCodec(fields, "codec.trainer-to-aggregator"),
            ReadCodec(fields, "codec.aggregator-to-shard"),
            fields.Bool("codec.error-feedback"),
            mergeCount switch
            {
                "node" => CommunicationSpec.NodeDefault,
                "trainers" => CommunicationSpec.TrainersInRegion,
                _ => fields.Int("aggregation.merge-count", 1, 10_000),
            },
            string.Equals(fields.String("aggregation.merge-interval", "node or a duration such as 200ms"), "node", StringComparison.OrdinalIgnoreCase)
                ? null
                : fields.Duration("aggregation.merge-interval"),
            fields.Bool("aggregation.wait-for-merge"),
            rule.NeedsRounds ? rule : null);
    }

    private static readonly Dictionary<string, AggregationRuleKind> Rules = new()
    {
        ["mean"] = AggregationRuleKind.Mean,
        ["trimmed-mean"] = AggregationRuleKind.TrimmedMean,
        ["median"] = AggregationRuleKind.Median,
        ["multi-krum"] = AggregationRuleKind.MultiKrum,
        ["centered-clip"] = AggregationRuleKind.CenteredClip,
    };

    // aggregation.rule and its parameters; a parameter of another rule is refused, as a codec's are
    private static AggregationRule ReadRule(HoconFieldReader fields)
    {
        var kind = fields.Choice("aggregation.rule", Rules, required: false);
        (string Key, AggregationRuleKind Rule)[] owned =
        [
            ("aggregation.beta", AggregationRuleKind.TrimmedMean), ("aggregation.f", AggregationRuleKind.MultiKrum), ("aggregation.m", AggregationRuleKind.MultiKrum),
            ("aggregation.tau", AggregationRuleKind.CenteredClip), ("aggregation.iterations", AggregationRuleKind.CenteredClip),
        ];
        foreach (var (key, rule) in owned)
        {
            if (kind != rule && fields.Has(key))
            {
                throw fields.Error(key, $"expected only with aggregation.rule = {new AggregationRule(rule).Name}; remove it for {new AggregationRule(kind).Name}");
            }
        }

        var (clip, bound) = ReadClipNorm(fields);
        var spec = new AggregationRule(
            kind,
            Beta: fields.Double("aggregation.beta", 0, 0.5, exclusiveMax: true),
            F: fields.Int("aggregation.f", 0, 1_000),
            M: fields.Int("aggregation.m", 0, 10_000),
            Tau: fields.Double("aggregation.tau", 0, 1e9, exclusiveMin: true),
            Iterations: fields.Int("aggregation.iterations", 1, 100),
            Clip: clip,
            ClipNorm: bound,
            MinNormRatio: ReadMinNorm(fields));
        return spec.Problem() is { } problem ? throw fields.Error("aggregation.rule", problem) : spec;
    }

    // off | Nx-median with 0 < N < 1: the fraction of the round's median norm below which a contribution is no work
    private static double ReadMinNorm(HoconFieldReader fields)
    {
        const string expected = "off or a fraction of the round's median norm such as 0.1x-median";
        var text = fields.String("aggregation.min-norm", expected).Trim();
        if (string.Equals(text, "off", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        return text.EndsWith("x-median", StringComparison.OrdinalIgnoreCase)
            && double.TryParse(text[..^"x-median".Length], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ratio)
            && ratio > 0 && ratio < 1
            ? ratio
            : throw fields.Error("aggregation.min-norm", $"expected {expected}, found '{text}'");
    }

    // off | a positive number (an absolute bound on each contribution's L2 norm) | Nx-median (N times the round's median norm)
    private static (ClipNormKind Kind, double Bound) ReadClipNorm(HoconFieldReader fields)
    {
        const string expected = "off, a positive number (the largest L2 norm of a contribution) or a multiple of the round's median norm such as 3x-median";
        var text = fields.String("aggregation.clip-norm", expected).Trim();
        if (string.Equals(text, "off", StringComparison.OrdinalIgnoreCase))
        {
            return (ClipNormKind.None, 0);
        }

        var relative = text.EndsWith("x-median", StringComparison.OrdinalIgnoreCase);
        var number = relative ? text[..^"x-median".Length] : text;
        return double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var bound) && bound > 0 && double.IsFinite(bound)
            ? (relative ? ClipNormKind.RelativeToMedian : ClipNormKind.Absolute, bound)
            : throw fields.Error("aggregation.clip-norm", $"expected {expected}, found '{text}'");
    }

    private static CodecSpec ReadCodec(HoconFieldReader fields, string key)
    {
        var kind = fields.Choice($"{key}.type", Codecs, required: false);
        var topK = kind is CodecKind.TopK or CodecKind.TopKInt8;
        if (!topK && fields.Has($"{key}.top-k"))
        {
            throw fields.Error($"{key}.top-k", $"expected only with type = topk or topk-int8; remove it for {kind.ToString().ToLowerInvariant()}");
        }

        if (kind != CodecKind.Int8 && fields.Has($"{key}.block-size"))
        {
            throw fields.Error($"{key}.block-size", $"expected only with type = int8; remove it for {kind.ToString().ToLowerInvariant()}");
        }

        return new CodecSpec(kind, fields.Double($"{key}.top-k", 0, 1, exclusiveMin: true), fields.Int($"{key}.block-size", 1, 1 << 20));
    }

    private static ModelSpec ReadModel(HoconFieldReader fields, Config job, Config defaults, string source)
    {
        var kind = fields.Choice("model.type", Models, required: true);
        var typeDefaults = defaults.GetConfig(kind switch { ModelKind.Mlp => "model.mlp", ModelKind.Cnn => "model.cnn", _ => "model.char-transformer" });
        var model = new HoconFieldReader(job.GetConfig("model"), typeDefaults, source, "job.model");
        string[] transformerOnly = ["layers", "heads", "width", "context"];
        if (kind == ModelKind.CharTransformer)
        {
            foreach (var other in new[] { "hidden", "conv-channels", "split" })
            {
                if (model.Has(other))
                {
                    throw model.Error(other, "expected only with model.type = mlp or cnn; a char-transformer is sized by layers, heads, width and context");
                }
            }

            var transformer = new TransformerSpec(model.Int("layers", 1, 64), model.Int("heads", 1, 64), model.Int("width", 1, 4_096), model.Int("context", 1, 4_096),
                Dropout: model.Double("dropout", 0, 1, exclusiveMax: true));
            if (transformer.Problem() is { } problem)
            {
                throw model.Error(problem.StartsWith("width", StringComparison.Ordinal) ? "width" : "layers", problem);
            }

            return new ModelSpec(kind, Array.Empty<int>(), Array.Empty<int>(), transformer.Dropout) { Transformer = transformer };
        }

        foreach (var other in transformerOnly)
        {
            if (model.Has(other))
            {
                throw model.Error(other, "expected only with model.type = char-transformer; remove it");
            }
        }

        if (kind == ModelKind.Mlp)
        {
            foreach (var cnnOnly in new[] { "conv-channels", "dropout" })
            {
                if (model.Has(cnnOnly))
                {
                    throw model.Error(cnnOnly, "expected only with model.type = cnn; remove it for an mlp");
                }
            }

            return new ModelSpec(kind, model.IntList("hidden", 1, 65_536, 0, 16), Array.Empty<int>(), 0);
        }

        return new ModelSpec(
            kind,
            model.IntList("hidden", 1, 65_536, 0, 16),
            model.IntList("conv-channels", 1, 4_096, 2, 2),
            model.Double("dropout", 0, 1, exclusiveMax: true));
    }

    private static DataSpec ReadData(HoconFieldReader fields, string baseDirectory)
    {
        var dataset = fields.Choice("data.dataset", Datasets, required: false);
        var path = fields.RequiredString("data.path", "the path of the data folder");
        var partitioning = fields.Choice("data.partitioning", Partitionings, required: false);
        var labels = fields.Int("data.labels-per-partition", 1, 10);
        var placement = fields.Choice("data.placement", Placements, required: false);
        var text = dataset == DataSpec.TextJsonl;
        if (text && partitioning is not (PartitioningKind.ByField or PartitioningKind.Iid))
        {
            throw fields.Error("data.partitioning", "expected by-field (data.field = year: eras of equal size, or party) or iid (shuffled documents) with data.dataset = text-jsonl: each trainer holds whole documents");
        }

        if (text && partitioning == PartitioningKind.Iid && fields.Has("data.field"))
        {
            throw fields.Error("data.field", "expected only with data.partitioning = by-field; iid shuffles the documents");
        }

        if (!text && partitioning == PartitioningKind.ByField)
        {
            throw fields.Error("data.partitioning", "expected iid or non-iid-label for images; by-field partitions the documents of data.dataset = text-jsonl");
        }

        if (!text && fields.Has("data.field"))
        {
            throw fields.Error("data.field", "expected only with data.dataset = text-jsonl; remove it");
        }

        if (text && placement == DataPlacement.Shared)
        {
            throw fields.Error("data.placement", "expected local with data.dataset = text-jsonl: the documents stay with the trainers that hold them");
        }

        return new DataSpec(dataset, Path.GetFullPath(path, baseDirectory), partitioning, labels, placement)
        {
            Field = text && partitioning == PartitioningKind.ByField ? fields.Choice("data.field", TextFields, required: false) : null,
        };
    }

    private static OptimizerSpec ReadOptimizer(HoconFieldReader fields)
    {
        var kind = fields.Choice("optimizer.type", Optimizers, required: true);
        if (kind != OptimizerKind.Sgd && fields.Has("optimizer.momentum"))
        {
            throw fields.Error("optimizer.momentum", $"expected only with optimizer.type = sgd; remove it for {kind.ToString().ToLowerInvariant()}");
        }

        if (kind == OptimizerKind.AdamW && fields.Int("local-steps", 1, 100_000) == 1)
        {
            throw fields.Error("optimizer.type", "adamw runs on the trainers as the inner optimizer and needs local-steps > 1; with one step the shards apply the optimizer: sgd or adam");
        }

        return new OptimizerSpec(
            kind,
            fields.Double("optimizer.learning-rate", 0, 10, required: true, exclusiveMin: true),
            fields.Double("optimizer.momentum", 0, 1, exclusiveMax: true),
            fields.Double("optimizer.weight-decay", 0, 1));
    }

    private static IEnumerable<string> LeafKeys(Config config, string prefix = "")
    {
        foreach (var (key, value) in config.AsEnumerable())
        {
            var full = prefix.Length == 0 ? key : $"{prefix}.{key}";
            if (value.IsObject())
            {
                foreach (var leaf in LeafKeys(config.GetConfig(key), full))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return full;
            }
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex JobName();
}
