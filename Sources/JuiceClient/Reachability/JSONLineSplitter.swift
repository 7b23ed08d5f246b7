import OpenAPIRuntime

/// Splits a streamed body into `\n`-terminated lines, each bounded: a line longer than its
/// limit ends the stream with an error instead of growing the buffer (the runtime's own JSON
/// Lines decoder does not bound a line).
struct JSONLineSplitter {
    private var chunks: HTTPBody.AsyncIterator
    private var buffer: [UInt8] = []
    /// Where the unread part of `buffer` starts; the read part is dropped once per chunk.
    private var start = 0

    init(_ body: HTTPBody) {
        chunks = body.makeAsyncIterator()
    }

    /// The next line without its `\n`; nil at the end of the body. Throws if a line is longer
    /// than `limit` bytes or the body ends in the middle of one.
    mutating func next(limit: Int) async throws -> ArraySlice<UInt8>? {
        var scanned = start
        while true {
            if let end = buffer[scanned...].firstIndex(of: 0x0A) {
                guard end - start <= limit else { throw Self.tooLong(limit) }
                defer { start = end + 1 }
                return buffer[start..<end]
            }
            scanned = buffer.count
            guard buffer.count - start <= limit else { throw Self.tooLong(limit) }
            guard let chunk = try await chunks.next() else {
                if start == buffer.count { return nil }
                throw ServiceError(status: nil, message: "the rendezvous stream ended in the middle of a line")
            }
            buffer.removeSubrange(..<start) // once per chunk, not per line
            scanned -= start
            start = 0
            buffer += chunk
        }
    }

    private static func tooLong(_ limit: Int) -> ServiceError {
        ServiceError(status: nil, message: "the Juice server sent a rendezvous line longer than \(limit) bytes")
    }
}
