import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// HTTP/1.1 as Hummingbird's `HTTP1Channel` serves it (the same pipeline and the same request
/// loop as `HTTPChannelHandler.handleHTTP` in Hummingbird 2.28.1), with one addition: a
/// ``HeldStreamHandler`` at the bottom of the pipeline, and a loop that ends the connection's task
/// without closing the connection once a rendezvous stream holds it (``StreamHandoff``).
/// Hummingbird's loop, and `executeThenClose` after its body returns, wait for the connection to
/// close: for a stream, hours of a task and its stack kept for nothing.
struct JuiceHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let base: HTTP1Channel
    /// The held streams' settings (``HeldStreamHandler``).
    let rendezvous: RendezvousSettings
    var responder: Responder { base.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(HeldStreamHandler(userTimeout: rendezvous.userTimeout))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value asyncChannel: Value, logger: Logger) async {
        let handoff = StreamHandoff(channel: asyncChannel.channel)
        do {
            try await withTaskCancellationHandler {
                try await asyncChannel.executeThenClose { inbound, outbound in
                    let parts = RequestParts(inbound.makeAsyncIterator())
                    do {
                        guard var head = try await parts.firstHead() else { return }
                        while true {
                            let request = Request(head: head, body: RequestBody(asyncSequence: parts.body()))
                            try await StreamHandoff.$current.withValue(handoff) {
                                try await responder(request, ResponseWriter(outbound: outbound), asyncChannel.channel)
                            }
                            // Held: the connection is the stream's. Thrown, so that `executeThenClose`
                            // only closes (which the stream's handler drops and reports done) rather
                            // than also wait for the connection's close, as it does after a return.
                            if handoff.isHeld { throw ConnectionHeld() }
                            guard request.headers[.connection] != "close", let next = try await parts.nextHead() else { break }
                            head = next
                        }
                    } catch is HTTPParserError {
                        logger.debug("HTTP parse error, closing connection")
                        try await outbound.write(.head(.init(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"])))
                        try await outbound.write(.end(nil))
                    }
                    outbound.finish()
                    try await asyncChannel.channel.closeFuture.get()
                }
            } onCancel: {
                asyncChannel.channel.close(mode: .input, promise: nil)
            }
        } catch is ConnectionHeld {
            return
        } catch {
            logger.trace("Failed to read/write to Channel. Error: \(error)")
        }
    }
}

/// Ends a connection's task once a stream holds the connection.
private struct ConnectionHeld: Error {}

extension HTTPServerBuilder {
    /// HTTP/1.1 through ``JuiceHTTP1Channel``.
    static func juiceHTTP1(configuration: HTTP1Channel.Configuration, rendezvous: RendezvousSettings) -> HTTPServerBuilder {
        .init { responder in JuiceHTTP1Channel(base: HTTP1Channel(responder: responder, configuration: configuration), rendezvous: rendezvous) }
    }
}
