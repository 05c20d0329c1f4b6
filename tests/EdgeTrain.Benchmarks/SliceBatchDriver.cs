using Akka.Actor;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Benchmarks;

/// <summary>The transport benchmarks' sending side: on a start signal tells a batch of slices, and completes it on the receiver's reply.</summary>
internal sealed class SliceBatchDriver : ReceiveActor
{
    private TaskCompletionSource? pending;

    public SliceBatchDriver(IActorRef counter, SliceData message, int batch)
    {
        Receive<TaskCompletionSource>(done =>
        {
            pending = done;
            for (var m = 0; m < batch; m++)
            {
                counter.Tell(message, Self);
            }
        });
        Receive<long>(_ => pending?.TrySetResult());
    }
}
