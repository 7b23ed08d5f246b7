/// A failure reported by `juiced` (or on the way to it), as one line for a person.
public struct ServiceError: Error, CustomStringConvertible, Sendable {
    /// The HTTP status, or nil when the server could not be reached.
    public let status: Int?
    /// The server's one-line message.
    public let message: String

    /// Creates an error.
    public init(status: Int?, message: String) {
        self.status = status
        self.message = message
    }

    /// The message, safe to print: the server's text cannot carry terminal control sequences.
    public var description: String { TerminalText.visible(message) }
}
