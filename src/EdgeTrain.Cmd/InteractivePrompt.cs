namespace EdgeTrain.Cmd;

/// <summary>
/// <c>[host:port] edgetrain-cmd&gt; </c>: reads commands until <c>exit</c>, <c>quit</c> or end of input
/// and runs each on the host. <c>history</c> lists the commands run; Ctrl-C ends a running (streaming)
/// command and returns to the prompt. With input redirected it reads plain lines, one command each.
/// </summary>
internal sealed class InteractivePrompt(CommandClient client, ClientOptions options, TextReader input, TextWriter output, TextWriter error, bool terminal)
{
    private readonly CommandHistory history = new();
    private CancellationTokenSource? running;

    public async Task<int> RunAsync()
    {
        var prompt = $"[{options.Endpoint}] edgetrain-cmd> ";
        var editor = terminal ? new LineEditor(history, output) : null;
        var last = 0;
        Console.CancelKeyPress += OnCancel;
        try
        {
            if (terminal)
            {
                output.WriteLine($"Connected to {options.Endpoint}: 'help' lists the commands, 'exit' leaves.");
            }

            while (true)
            {
                string? line;
                if (editor is not null)
                {
                    line = editor.ReadLine(prompt);
                }
                else
                {
                    line = await input.ReadLineAsync().ConfigureAwait(false);
                }

                if (line is null)
                {
                    return last;
                }

                line = line.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                history.Add(line);
                switch (line)
                {
                    case "exit" or "quit":
                        return last;
                    case "history":
                        for (var i = 0; i < history.Entries.Count; i++)
                        {
                            output.WriteLine($"{i + 1,4}  {history.Entries[i]}");
                        }

                        continue;
                }

                IReadOnlyList<string> words;
                try
                {
                    words = CommandWords.Split(line);
                }
                catch (ClientUsageException e)
                {
                    error.WriteLine($"edgetrain-cmd: {e.Message}");
                    last = 2;
                    continue;
                }

                using (running = new CancellationTokenSource())
                {
                    last = await client.RunAsync(words, output, error, running.Token).ConfigureAwait(false);
                }

                running = null;
            }
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
        }
    }

    // Ctrl-C while a command runs ends that command, not the prompt
    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        if (running is { } command)
        {
            e.Cancel = true;
            command.Cancel();
        }
    }
}
