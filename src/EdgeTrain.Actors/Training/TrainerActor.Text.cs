using Akka.Event;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Text;

namespace EdgeTrain.Actors.Training;

/// <summary>
/// A language model job's trainer (<c>data.dataset = text-jsonl</c>): it holds the training text of its partitions'
/// documents (their held-out tails stay out) and takes steps on random windows of it; the text never leaves the node.
/// </summary>
public sealed partial class TrainerActor
{
    private IReadOnlyList<TextDocument>? corpus;
    private TextBatches? text;
    private LanguageModelStep? languageStep;

    private bool Language => start.Spec.Data.Dataset == DataSpec.TextJsonl;

    // the training text of this node's partitions, as random windows on its device
    private void LoadText()
    {
        var spec = start.Spec;
        corpus ??= TextCorpus.Load(spec.Data.Path);
        var iid = spec.Data.Partitioning == PartitioningKind.Iid;
        var parts = TextPartitions.Of(corpus, spec.Data.Field, start.Partitions, iid, spec.Seed);
        var documents = start.Assigned.SelectMany(p => parts[p]).ToArray();
        var mine = TextSplit.Of(corpus, documents);
        text?.Dispose();
        text = new TextBatches(mine.Training, spec.Model.Transformer!.Context, spec.BatchSize, spec.Seed + start.Assigned[0], device!);
        var years = documents.Select(d => corpus[d].Year).ToArray();
        log.Info("trainer {0}: partitions {1} {2} ({3}), region {4}, {5} local step(s)",
            start.JobId, $"{string.Join(",", start.Assigned)} of {start.Partitions}", iid ? "shuffled documents" : "by " + (spec.Data.Field ?? TextPartitions.DefaultField),
            $"{documents.Length} documents of {years.Min()}-{years.Max()}, {mine.Training.Length:N0} bytes of training text", start.Region, spec.LocalSteps);
    }

    // one batch of windows: a step of the job's optimizer, or with apply false only its gradients; returns the windows trained on
    private int TextStep(bool apply)
    {
        var (inputs, targets) = text!.Next();
        using (inputs)
        using (targets)
        {
            AddLoss(apply ? languageStep!.Run(inputs, targets) : languageStep!.Gradients(inputs, targets));
        }

        return text.BatchSize;
    }
}
