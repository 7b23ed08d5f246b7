import NIOCore
import Synchronization

/// One connection's way to hand itself over to a rendezvous stream (``StreamHoldMiddleware``),
/// and to tell ``JuiceHTTP1Channel``'s request loop that it did: the loop then leaves the
/// connection to its ``HeldStreamHandler`` and ends the connection's task. A task local, set by the
/// loop around each request.
final class StreamHandoff: Sendable {
    @TaskLocal static var current: StreamHandoff?

    private let channel: any Channel
    private let held = Atomic<Bool>(false)

    init(channel: any Channel) { self.channel = channel }

    /// Whether a stream holds the connection: its request loop must stop.
    var isHeld: Bool { held.load(ordering: .acquiring) }

    /// Lets `stream` hold the connection. The response head is written already: the connection's
    /// event loop runs this after it.
    func hold(_ stream: RendezvousStream) {
        held.store(true, ordering: .releasing)
        let channel = channel
        channel.eventLoop.execute {
            guard let handler = try? channel.pipeline.syncOperations.handler(type: HeldStreamHandler.self) else { return stream.finish() }
            handler.hold(stream)
        }
    }
}
