/// A value from outside failed validation; the message is one line meant for a person.
public struct InvalidValue: Error, Equatable, CustomStringConvertible {
    /// The reason.
    public let message: String

    /// Creates an error with a one-line reason.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
