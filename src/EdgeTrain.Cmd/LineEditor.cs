using System.Text;

namespace EdgeTrain.Cmd;

/// <summary>
/// Reads one line at an interactive terminal with editing (left, right, home, end, backspace,
/// delete) and history (up, down). Ctrl-C clears the line, or on an empty line ends the prompt, as
/// does Ctrl-D; both answer null.
/// </summary>
internal sealed class LineEditor(CommandHistory history, TextWriter output)
{
    public string? ReadLine(string prompt)
    {
        var buffer = new StringBuilder();
        var cursor = 0;
        output.Write(prompt);
        var treat = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
        try
        {
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        output.WriteLine();
                        return buffer.ToString();
                    case ConsoleKey.C or ConsoleKey.D when control:
                        if (buffer.Length == 0)
                        {
                            output.WriteLine();
                            return null;
                        }

                        buffer.Clear();
                        cursor = 0;
                        break;
                    case ConsoleKey.Backspace when cursor > 0:
                        buffer.Remove(--cursor, 1);
                        break;
                    case ConsoleKey.Delete when cursor < buffer.Length:
                        buffer.Remove(cursor, 1);
                        break;
                    case ConsoleKey.LeftArrow when cursor > 0:
                        cursor--;
                        break;
                    case ConsoleKey.RightArrow when cursor < buffer.Length:
                        cursor++;
                        break;
                    case ConsoleKey.Home:
                        cursor = 0;
                        break;
                    case ConsoleKey.End:
                        cursor = buffer.Length;
                        break;
                    case ConsoleKey.UpArrow:
                        if (history.Previous() is { } previous)
                        {
                            buffer.Clear().Append(previous);
                            cursor = buffer.Length;
                        }

                        break;
                    case ConsoleKey.DownArrow:
                        buffer.Clear().Append(history.Next());
                        cursor = buffer.Length;
                        break;
                    default:
                        if (!control && !char.IsControl(key.KeyChar))
                        {
                            buffer.Insert(cursor++, key.KeyChar);
                        }

                        break;
                }

                // redraw the line and put the cursor back where it belongs
                output.Write($"\r{prompt}{buffer}\u001b[K");
                if (buffer.Length > cursor)
                {
                    output.Write($"\u001b[{buffer.Length - cursor}D");
                }
            }
        }
        finally
        {
            Console.TreatControlCAsInput = treat;
        }
    }
}
