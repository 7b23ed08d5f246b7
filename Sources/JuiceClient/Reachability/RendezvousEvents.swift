import OpenAPIRuntime

/// The events of one rendezvous stream, as they arrive: the body is read by one task, split
/// into bounded lines and decoded. The sequence ends when the server closes the stream and
/// throws when the stream breaks or sends something malformed. Ending the iteration (or the
/// task that iterates) stops the reading and closes the connection.
public struct RendezvousEvents: AsyncSequence, Sendable {
    /// The first line may hold the whole buddy list; later ones are one buddy at most.
    static let firstLineLimit = 4 * 1024 * 1024
    static let lineLimit = 16 * 1024
    /// Events decoded and not yet applied, at most.
    static let queueLimit = 1024

    private let events: AsyncThrowingStream<RendezvousEvent, any Error>

    init(body: HTTPBody, token: BearerTokenMiddleware) {
        // Bounded: a server that sends faster than the client applies ends the stream (the client
        // resumes and gets a fresh snapshot) instead of filling the client's memory.
        let (events, continuation) = AsyncThrowingStream.makeStream(of: RendezvousEvent.self, bufferingPolicy: .bufferingOldest(Self.queueLimit))
        let reader = Task {
            do {
                var lines = JSONLineSplitter(body)
                var first = true
                while let line = try await lines.next(limit: first ? Self.firstLineLimit : Self.lineLimit) {
                    if let event = try RendezvousEvent.decode(line: line, first: first, token: token), case .dropped = continuation.yield(event) {
                        throw ServiceError(status: nil, message: "the Juice server sent more than \(Self.queueLimit) rendezvous lines before they could be applied")
                    }
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
