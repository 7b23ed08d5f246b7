/// A statement prepared once per connection (`PQprepare`) and then executed by name.
public struct PreparedStatement: Sendable, Hashable {
    /// The statement name on the server.
    public let name: String
    /// The SQL, with `$1`, `$2`, ... parameters.
    public let sql: String

    /// Declares a statement; it is prepared lazily on each connection that runs it.
    public init(_ name: String, _ sql: String) {
        self.name = name
        self.sql = sql
    }
}
