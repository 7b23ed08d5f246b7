import OpenAPIRuntime

/// The events of one rendezvous stream, as they arrive: the body is read by one task, split
/// into bounded lines and decoded. The sequence ends when the server closes the stream and
/// throws when the stream breaks or sends something malformed. Ending the iteration (or the
/// task that iterates) stops the reading and closes the connection.
public struct RendezvousEvents: AsyncSequence, Sendable {
    /// The first line may hold the whole buddy list; later ones are one buddy at most.
    static let firstLineLimit = 4 * 1024 * 1024
    static let lineLimit = 16 * 1024

    private let events: AsyncThrowingStream<RendezvousEvent, any Error>

    init(body: HTTPBody, token: BearerTokenMiddleware) {
        let (events, continuation) = AsyncThrowingStream.makeStream(of: RendezvousEvent.self)
        let reader = Task {
            do {
                var lines = JSONLineSplitter(body)
                var first = true
                while let line = try await lines.next(limit: first ? Self.firstLineLimit : Self.lineLimit) {
                    if let event = try RendezvousEvent.decode(line: line, first: first, token: token) { continuation.yield(event) }
                    first = false
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        self.events = events
    }

    public func makeAsyncIterator() -> AsyncThrowingStream<RendezvousEvent, any Error>.AsyncIterator {
        events.makeAsyncIterator()
    }
}
