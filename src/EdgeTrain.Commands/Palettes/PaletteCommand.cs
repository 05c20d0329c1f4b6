using EdgeTrain.Commands.Parsing;

namespace EdgeTrain.Commands.Palettes;

/// <summary>Runs a parsed command; returns its exit code (0 success, 1 failed).</summary>
public delegate Task<int> CommandHandler(ParsedCommand command, CommandContext context);

/// <summary>
/// A command of a palette and what runs it. <paramref name="RecordedByCoordinator"/>: a mutating command whose
/// request the JobCoordinator records in its audit log itself (with the client's address in its <c>By</c>);
/// the host records every other mutating command before running it.
/// </summary>
public sealed record PaletteCommand(CommandSpec Spec, CommandHandler Run, bool RecordedByCoordinator = false);
