import OpenAPIRuntime

/// Splits a streamed body into `\n`-terminated lines, each bounded: a line longer than its
/// limit ends the stream with an error instead of growing the buffer (the runtime's own JSON
/// Lines decoder does not bound a line).
struct JSONLineSplitter {
    private var chunks: HTTPBody.AsyncIterator
    private var buffer: [UInt8] = []
    private var scanned = 0

    init(_ body: HTTPBody) {
        chunks = body.makeAsyncIterator()
    }

    /// The next line without its `\n`; nil at the end of the body. Throws if a line is longer
    /// than `limit` bytes or the body ends in the middle of one.
    mutating func next(limit: Int) async throws -> ArraySlice<UInt8>? {
        while true {
            if let end = buffer[scanned...].firstIndex(of: 0x0A) {
                guard end <= limit else { throw ServiceError(status: nil, message: "the Juice server sent a rendezvous line longer than \(limit) bytes") }
                let line = buffer[..<end]
                buffer = Array(buffer[(end + 1)...])
                scanned = 0
                return line
            }
            scanned = buffer.count
            guard buffer.count <= limit else { throw ServiceError(status: nil, message: "the Juice server sent a rendezvous line longer than \(limit) bytes") }
            guard let chunk = try await chunks.next() else {
                if buffer.isEmpty { return nil }
                throw ServiceError(status: nil, message: "the rendezvous stream ended in the middle of a line")
            }
            buffer += chunk
        }
    }
}
