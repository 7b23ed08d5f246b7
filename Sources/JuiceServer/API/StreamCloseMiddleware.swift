import Hummingbird
import ServiceLifecycle
import Synchronization

/// Writes a rendezvous stream's response, and ends it when its client goes away or the server
/// shuts down (docs/reachability.md 2.6). A stream's writer waits for lines, never for the socket,
/// so without this a closed connection would only be noticed at the next write, up to a keepalive
/// later. The writer runs inside `consumeWithInboundCloseHandler`, which reads the connection's
/// inbound side past the request and, at the client's FIN or reset, finishes the stream: its
/// writer returns, and the stream's end marks the session dropped. Its response says
/// `Connection: close`.
///
/// The writer takes the lines from the ``RendezvousStream`` itself (the handler that opened it
/// leaves it in ``OpenedStream``), not through the response's `HTTPBody`: a stream waits for
/// hours, and every layer between the socket and the stream's queue (the OpenAPI body's
/// type-erased iterators, the transport's mapping, `consumeWithCancellationOnInboundClose`'s two
/// extra child tasks) kept its async frames allocated all that time.
///
/// Sits inside ``HTTPErrorMiddleware``, whose `collectBody` keeps the connection's own body
/// underneath the collected one, which is what the helper needs (on the connection's body
/// itself, read to its end already, Hummingbird 2.28.1 traps when the inbound side closes).
/// The helper first replays the collected body, which the writer drains before writing.
struct StreamCloseMiddleware<Context: RequestContext>: RouterMiddleware {
    let streams: RendezvousStreams

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let opened = OpenedStream()
        var response = try await OpenedStream.$current.withValue(opened) { try await next(request, context) }
        guard response.headers[.contentType] == MediaType.jsonLines, let stream = opened.stream.withLock({ $0 }) else { return response }
        // The connection closes when the stream ends (the helper below reads its inbound side to
        // the end); saying so keeps a client from sending its next request on it.
        response.headers[.connection] = "close"
        // The handler's body stays referenced until the writer is done: releasing it ends the stream.
        let body = response.body, inbound = request.body, streams = streams
        response.body = ResponseBody { writer in
            try await withGracefulShutdownHandler {
                try await inbound.consumeWithInboundCloseHandler { replayed in
                    for try await _ in replayed {}
                    try await stream.write(to: &writer)
                } onInboundClosed: {
                    stream.finish()
                }
            } onGracefulShutdown: {
                streams.finishAll()
            }
            withExtendedLifetime(body) {}
            try await writer.finish(nil)
        }
        return response
    }
}

/// Where a handler leaves the rendezvous stream it opened for ``StreamCloseMiddleware`` (a task
/// local: the handler runs inside the middleware's call, in the same task).
final class OpenedStream: Sendable {
    @TaskLocal static var current: OpenedStream?
    let stream = Mutex<RendezvousStream?>(nil)
}
