import Foundation

/// Lines from standard input as an async sequence, read on a thread of its own so that a
/// blocking read never occupies the cooperative pool. The stream ends at EOF.
enum LineReader {
    static func standardInput() -> AsyncStream<String> {
        AsyncStream { continuation in
            let thread = Thread {
                while let line = readLine(strippingNewline: true) {
                    continuation.yield(line)
                }
                continuation.finish()
            }
            thread.name = "juice-stdin"
            thread.start()
        }
    }
}
