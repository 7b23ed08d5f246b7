/// One statement parameter, sent out of line with `PQexecParams`/`PQexecPrepared`.
public enum PostgresBind: Sendable, Equatable {
    /// SQL NULL.
    case null
    /// A value in PostgreSQL's text format.
    case text(String)
    /// Raw bytes, sent in binary format (for `bytea`).
    case bytes([UInt8])
}

/// A Swift value that can be a statement parameter.
public protocol PostgresBindable: Sendable {
    /// The parameter to send.
    var postgresBind: PostgresBind { get }
}

extension String: PostgresBindable {
    public var postgresBind: PostgresBind { .text(self) }
}

extension Int: PostgresBindable {
    public var postgresBind: PostgresBind { .text(String(self)) }
}

extension Int64: PostgresBindable {
    public var postgresBind: PostgresBind { .text(String(self)) }
}

extension Int32: PostgresBindable {
    public var postgresBind: PostgresBind { .text(String(self)) }
}

extension Double: PostgresBindable {
    public var postgresBind: PostgresBind { .text(String(self)) }
}

extension Bool: PostgresBindable {
    public var postgresBind: PostgresBind { .text(self ? "t" : "f") }
}

extension Array: PostgresBindable where Element == UInt8 {
    public var postgresBind: PostgresBind { .bytes(self) }
}

extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    public var postgresBind: PostgresBind { self?.postgresBind ?? .null }
}

extension PostgresBind: PostgresBindable {
    public var postgresBind: PostgresBind { self }
}
