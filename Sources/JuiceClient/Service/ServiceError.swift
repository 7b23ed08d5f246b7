/// A failure reported by `juiced` (or on the way to it), as one line for a person.
public struct ServiceError: Error, CustomStringConvertible, Sendable {
    /// The HTTP status, or nil when the server could not be reached.
    public let status: Int?
    /// The server's one-line message.
    public let message: String
    /// The server's machine-readable code (`error` in the body, docs/protocol.md 2.1), when it sent one.
    public let code: String?

    /// Creates an error.
    public init(status: Int?, message: String, code: String? = nil) {
        self.status = status
        self.message = message
        self.code = code
    }

    /// The message, safe to print: the server's text cannot carry terminal control sequences.
    public var description: String { TerminalText.visible(message) }
}
