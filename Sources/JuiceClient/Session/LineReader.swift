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

/// SIGINT and SIGTERM as an async sequence, so Ctrl-C can log out cleanly.
enum TerminationSignals {
    static func stream() -> AsyncStream<Int32> {
        AsyncStream { continuation in
            let sources = [SIGINT, SIGTERM].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                return source
            }
            nonisolated(unsafe) let owned = sources
            continuation.onTermination = { _ in owned.forEach { $0.cancel() } }
        }
    }
}
