/// Failures of the libpq wrapper.
///
/// Descriptions carry libpq's message and SQLSTATE but never parameter values, so secrets passed
/// as parameters cannot reach a log through an error.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, broadly.
    public enum Kind: Sendable, Equatable {
        /// The server could not be reached or the connection broke.
        case connection
        /// The server rejected a statement.
        case query
        /// A column could not be decoded into the requested Swift type.
        case decoding
        /// The pool is shut down.
        case closed
    }

    /// What went wrong, broadly.
    public let kind: Kind
    /// The five-character SQLSTATE, when the server sent one.
    public let sqlState: String?
    /// libpq's message, first line only.
    public let message: String
    /// The constraint a statement violated, when the server named one.
    public let constraint: String?

    /// Creates an error.
    public init(_ kind: Kind, sqlState: String? = nil, constraint: String? = nil, message: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.constraint = constraint
        self.message = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? message
    }

    /// `unique_violation`.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// `check_violation`.
    public var isCheckViolation: Bool { sqlState == "23514" }
    /// `foreign_key_violation`.
    public var isForeignKeyViolation: Bool { sqlState == "23503" }

    public var description: String {
        switch kind {
        case .connection: "database connection failed: \(message)"
        case .query: "database error\(sqlState.map { " \($0)" } ?? ""): \(message)"
        case .decoding: "database value could not be decoded: \(message)"
        case .closed: "database pool is closed"
        }
    }
}
