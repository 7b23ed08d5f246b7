import JuiceTestSupport
import Logging

/// A logger whose entries a test can read back, to check what the server logged (and that no
/// secret reached the log).
struct RecordedLogs: Sendable {
    /// One log entry: level, message and metadata, flattened to text.
    struct Entry: Sendable {
        let level: Logger.Level
        let text: String
    }

    private let entries = Locked<[Entry]>([])

    /// A logger that records into this log, at trace level and up.
    var logger: Logger {
        var logger = Logger(label: "juiced-test") { _ in Handler(entries: entries) }
        logger.logLevel = .trace
        return logger
    }

    /// Everything recorded so far.
    var all: [Entry] { entries.withLock { $0 } }

    /// Entries at `level` or more severe.
    func atLeast(_ level: Logger.Level) -> [Entry] { all.filter { $0.level >= level } }

    private struct Handler: LogHandler {
        let entries: Locked<[Entry]>
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let text = "\(event.message) " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            entries.withLock { $0.append(Entry(level: event.level, text: text)) }
        }
    }
}
