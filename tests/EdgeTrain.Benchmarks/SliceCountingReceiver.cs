using Akka.Actor;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Benchmarks;

/// <summary>The transport benchmarks' receiving side: counts slices and replies with the count after every batch.</summary>
internal sealed class SliceCountingReceiver : ReceiveActor
{
    private long received;

    public SliceCountingReceiver(int batch) =>
        Receive<SliceData>(_ =>
        {
            if (++received % batch == 0)
            {
                Sender.Tell(received);
            }
        });
}
