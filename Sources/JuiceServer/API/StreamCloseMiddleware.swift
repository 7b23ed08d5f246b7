import Hummingbird
import ServiceLifecycle

/// Ends a rendezvous stream's response when its client goes away or the server shuts down
/// (docs/reachability.md 2.6). A stream's writer waits for lines, never for the socket, so
/// without this a closed connection would only be noticed at the next write, up to a keepalive
/// later. The writer runs inside `consumeWithCancellationOnInboundClose`, which reads the
/// connection's inbound side past the request and cancels the writer at the client's FIN or
/// reset; the stream's end then marks the session dropped. Its response says `Connection: close`.
///
/// Sits inside ``HTTPErrorMiddleware``, whose `collectBody` keeps the connection's own body
/// underneath the collected one, which is what the helper needs (on the connection's body
/// itself, read to its end already, Hummingbird 2.28.1 traps when the inbound side closes).
/// The helper first replays the collected body, which the writer drains before writing.
struct StreamCloseMiddleware<Context: RequestContext>: RouterMiddleware {
    let streams: RendezvousStreams

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard response.headers[.contentType] == MediaType.jsonLines else { return response }
        // The connection closes when the stream ends (the helper below reads its inbound side to
        // the end); saying so keeps a client from sending its next request on it.
        response.headers[.connection] = "close"
        let lines = response.body, inbound = request.body, streams = streams
        response.body = ResponseBody { writer in
            try await withGracefulShutdownHandler {
                try await inbound.consumeWithCancellationOnInboundClose { replayed in
                    for try await _ in replayed {}
                    try await lines.write(writer)
                }
            } onGracefulShutdown: {
                streams.finishAll()
            }
        }
        return response
    }
}
