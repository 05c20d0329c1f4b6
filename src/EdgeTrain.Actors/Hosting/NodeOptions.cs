using EdgeTrain.Actors.Security;
using EdgeTrain.Core.Membership;

namespace EdgeTrain.Actors.Hosting;

/// <summary>How to start one EdgeTrain cluster node (the volunteer's node or a seed).</summary>
/// <param name="Host">The address other nodes reach this one at.</param>
/// <param name="Port">Remoting port (0: any free port).</param>
/// <param name="Seeds">Seed nodes as <c>host:port</c>; empty or only itself: this node starts a new cluster.</param>
/// <param name="Region">The node's region.</param>
/// <param name="Roles">Cluster roles: <c>seed</c>, <c>params</c>, <c>aggregator</c>, <c>trainer</c>.</param>
/// <param name="DataDirectory">Where the node keeps its files (the SQLite journal of a local cluster: <c>edgetrain.db</c>).</param>
/// <param name="Capabilities">What the node's probe found.</param>
/// <param name="ConfigFiles">Extra HOCON files, highest priority first (for example hocon/postgres.conf).</param>
/// <param name="TorchThreads">libtorch threads for a trainer (0: libtorch's default).</param>
/// <param name="Security">TLS or insecure (null: <c>edgetrain.security.mode</c>); the programs' <c>--insecure</c> sets <see cref="SecurityMode.Insecure"/>.</param>
/// <param name="IdentityDirectory">The node's identity folder (null: <c>edgetrain.security.identity-dir</c>, by default <c>DATA-DIR/identity</c>).</param>
/// <param name="CaDirectory">The cluster CA's folder on a seed that revokes certificates (<c>edgetrain seed --ca</c>; null: <c>edgetrain.security.ca-dir</c>, by default none).</param>
public sealed record NodeOptions(
    string Host,
    int Port,
    IReadOnlyList<string> Seeds,
    string Region,
    IReadOnlyList<string> Roles,
    string DataDirectory,
    NodeCapabilities Capabilities,
    IReadOnlyList<string> ConfigFiles,
    int TorchThreads = 0,
    SecurityMode? Security = null,
    string? IdentityDirectory = null,
    string? CaDirectory = null);
