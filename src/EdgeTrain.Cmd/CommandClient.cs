using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Commands.Protocol;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeTrain.Cmd;

/// <summary>
/// One connection to a node's command host: runs commands there and prints their output as it
/// streams in. Exit codes: the command's own (0, 1, 2), 2 when the host cannot be reached, 0 when
/// Ctrl-C ends a command (how a streaming command stops).
/// </summary>
internal sealed class CommandClient : IDisposable
{
    private readonly GrpcChannel channel;
    private readonly CommandHost.CommandHostClient client;
    private readonly ClientOptions options;

    public CommandClient(ClientOptions options)
    {
        this.options = options;
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), EnableMultipleHttp2Connections = true };
        if (options.CaFile is { } caFile)
        {
            var trusted = LoadCertificate(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusts(trusted, certificate, errors);
        }

        channel = GrpcChannel.ForAddress(options.Address, new GrpcChannelOptions { HttpHandler = handler });
        client = new CommandHost.CommandHostClient(channel);
    }

    public async Task<int> RunAsync(IReadOnlyList<string> command, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        var request = new CommandRequest { Token = options.Token ?? "" };
        request.Argv.AddRange(command);
        int? exit = null;
        try
        {
            using var call = client.Execute(request, cancellationToken: cancellation);
            await foreach (var message in call.ResponseStream.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                switch (message.KindCase)
                {
                    case CommandOutput.KindOneofCase.Line:
                        await output.WriteLineAsync(message.Line).ConfigureAwait(false);
                        await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                        break;
                    case CommandOutput.KindOneofCase.Error:
                        await error.WriteLineAsync(message.Error).ConfigureAwait(false);
                        break;
                    case CommandOutput.KindOneofCase.ExitCode:
                        exit = message.ExitCode;
                        break;
                }
            }
        }
        catch (Exception e) when (cancellation.IsCancellationRequested && (e is OperationCanceledException || e is RpcException { StatusCode: StatusCode.Cancelled }))
        {
            return 0;
        }
        catch (RpcException e)
        {
            await error.WriteLineAsync($"edgetrain-cmd: cannot run the command on {options.Endpoint} ({options.Address.Scheme}): {e.Status.StatusCode}: {e.Status.Detail}").ConfigureAwait(false);
            return 2;
        }

        if (exit is null)
        {
            await error.WriteLineAsync($"edgetrain-cmd: {options.Endpoint} ended the command without an exit code").ConfigureAwait(false);
            return 1;
        }

        return exit.Value;
    }

    public void Dispose() => channel.Dispose();

    private static X509Certificate2 LoadCertificate(string path)
    {
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ClientUsageException($"--ca {path}: cannot read a certificate: {e.Message}");
        }
    }

    // the host's certificate is the trusted one itself, or chains up to it (with the host name matching)
    private static bool Trusts(X509Certificate2 trusted, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (presented is null)
        {
            return false;
        }

        using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        if (certificate.RawDataMemory.Span.SequenceEqual(trusted.RawDataMemory.Span))
        {
            return true;
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
