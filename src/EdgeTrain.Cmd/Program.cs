using EdgeTrain.Cmd;

ClientOptions options;
try
{
    options = ClientOptions.Parse(args, Environment.GetEnvironmentVariable);
}
catch (ClientUsageException e)
{
    Console.Error.WriteLine($"edgetrain-cmd: {e.Message}");
    Console.Error.WriteLine(ClientOptions.Usage);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(ClientOptions.Usage);
    return 0;
}

try
{
    using var client = new CommandClient(options);
    if (options.Command.Count == 0)
    {
        var terminal = !Console.IsInputRedirected && !Console.IsOutputRedirected;
        return await new InteractivePrompt(client, options, Console.In, Console.Out, Console.Error, terminal).RunAsync();
    }

    // one command: Ctrl-C ends it (a streaming command such as cluster tail stops this way)
    using var cancellation = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cancellation.Cancel();
    };
    return await client.RunAsync(options.Command, Console.Out, Console.Error, cancellation.Token);
}
catch (ClientUsageException e)
{
    Console.Error.WriteLine($"edgetrain-cmd: {e.Message}");
    return 2;
}
