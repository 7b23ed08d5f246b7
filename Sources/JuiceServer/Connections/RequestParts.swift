import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// The request parts of one connection, read in turn by ``JuiceHTTP1Channel``'s loop (heads) and
/// by each request's body (Hummingbird's `NIOAsyncChannelRequestBody`, which is not public).
/// Only one task reads it at a time: the connection's, or the request's child task while the
/// loop waits for it.
final class RequestParts: @unchecked Sendable {
    private var iterator: NIOAsyncChannelInboundStream<HTTPRequestPart>.AsyncIterator
    /// Whether the current request's body was read to its end.
    private var bodyEnded = true

    init(_ iterator: NIOAsyncChannelInboundStream<HTTPRequestPart>.AsyncIterator) {
        self.iterator = iterator
    }

    /// The head of the connection's first request, or nil if the client sent nothing.
    func firstHead() async throws -> HTTPRequest? {
        guard let part = try await iterator.next() else { return nil }
        return try head(of: part)
    }

    /// Skips what is left of the current request's body, then reads the next head: nil when the
    /// client closed.
    func nextHead() async throws -> HTTPRequest? {
        while try await nextBodyChunk() != nil {}
        guard let part = try await iterator.next() else { return nil }
        return try head(of: part)
    }

    /// The current request's body.
    func body() -> Body { Body(parts: self) }

    private func head(of part: HTTPRequestPart) throws -> HTTPRequest {
        guard case .head(let head) = part else { throw UnexpectedRequestPart() }
        bodyEnded = false
        return head
    }

    fileprivate func nextBodyChunk() async throws -> ByteBuffer? {
        guard !bodyEnded, let part = try await iterator.next() else { return nil }
        switch part {
        case .body(let buffer): return buffer
        case .end: bodyEnded = true; return nil
        case .head: throw UnexpectedRequestPart()
        }
    }

    /// One request's body, as an `AsyncSequence` of its chunks.
    struct Body: AsyncSequence, Sendable {
        let parts: RequestParts

        struct AsyncIterator: AsyncIteratorProtocol {
            let parts: RequestParts
            mutating func next() async throws -> ByteBuffer? { try await parts.nextBodyChunk() }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(parts: parts) }
    }
}

/// A request part out of order (a body before a head, or a head inside a body): the connection
/// closes, as Hummingbird's own loop does.
struct UnexpectedRequestPart: Error {}
