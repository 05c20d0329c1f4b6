using EdgeTrain.Commands.Parsing;

namespace EdgeTrain.Commands.Palettes;

/// <summary>Runs a parsed command; returns its exit code (0 success, 1 failed).</summary>
public delegate Task<int> CommandHandler(ParsedCommand command, CommandContext context);

/// <summary>A command of a palette and what runs it.</summary>
public sealed record PaletteCommand(CommandSpec Spec, CommandHandler Run);
