import Hummingbird
import Synchronization

/// Hands a rendezvous stream's connection over to the stream once its response head is written
/// (docs/reachability.md 2.6): the response body writes nothing itself; it asks the connection's
/// ``StreamHandoff`` to let the stream hold the connection, and from then on the connection's
/// ``HeldStreamHandler`` writes the stream's lines and notices the client going away, and the
/// connection's task ends. A stream waits for hours; nothing of the request, the router or
/// Hummingbird's connection loop stays allocated meanwhile.
///
/// The handler that opened the stream leaves it in ``OpenedStream``. A stream whose response is
/// never written (an error after the handler returned, or a response dropped) ends when the body
/// is released, so it cannot stay registered with its presence online for ever. The response says
/// `Connection: close`: the connection closes when the stream ends.
struct StreamHoldMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let opened = OpenedStream()
        var response: Response
        do {
            response = try await OpenedStream.$current.withValue(opened) { try await next(request, context) }
        } catch {
            opened.stream.withLock { $0 }?.finish()
            throw error
        }
        guard let stream = opened.stream.withLock({ $0 }) else { return response }
        guard response.headers[.contentType] == MediaType.jsonLines, let handoff = StreamHandoff.current else {
            stream.finish()
            return response
        }
        response.headers[.connection] = "close"
        let unheld = FinishUnlessHeld(stream)
        response.body = ResponseBody { _ in
            if let stream = unheld.take() { handoff.hold(stream) }
        }
        return response
    }
}

/// Where a handler leaves the rendezvous stream it opened for ``StreamHoldMiddleware`` (a task
/// local: the handler runs inside the middleware's call, in a child of its task).
final class OpenedStream: Sendable {
    @TaskLocal static var current: OpenedStream?
    let stream = Mutex<RendezvousStream?>(nil)
}

/// Ends a stream whose response body is released before it handed the stream over.
private final class FinishUnlessHeld: Sendable {
    private let stream: Mutex<RendezvousStream?>

    init(_ stream: RendezvousStream) { self.stream = Mutex(stream) }

    /// The stream, which is no longer this object's to end.
    func take() -> RendezvousStream? {
        stream.withLock { $0.take() }
    }

    deinit { stream.withLock { $0 }?.finish() }
}
