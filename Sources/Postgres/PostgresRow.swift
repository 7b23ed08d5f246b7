/// One result row, copied out of libpq, with typed access by column name or index. The accessors
/// are inlinable so that callers get them specialised for each type they decode.
public struct PostgresRow: Sendable {
    @usableFromInline let columns: PostgresColumns
    @usableFromInline let values: [String?]

    /// The raw text of a column, nil for SQL NULL.
    @inlinable public func text(_ column: String) throws(PostgresError) -> String? {
        values[try columns.index(of: column)]
    }

    /// Decodes a non-null column.
    @inlinable public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard let value = try decode(column, as: Optional<T>.self) else {
            throw PostgresError(.decoding, message: "column \(column) is null")
        }
        return value
    }

    /// Decodes a nullable column.
    @inlinable public func decode<T: PostgresDecodable>(_ column: String, as type: Optional<T>.Type = Optional<T>.self) throws(PostgresError) -> T? {
        guard let text = try text(column) else { return nil }
        guard let value = T(postgresText: text) else {
            throw PostgresError(.decoding, message: "column \(column) is not a \(T.self)")
        }
        return value
    }
}

/// Column names of a result, shared by its rows.
@usableFromInline final class PostgresColumns: Sendable {
    @usableFromInline let names: [String]

    init(names: [String]) { self.names = names }

    @inlinable func index(of name: String) throws(PostgresError) -> Int {
        guard let index = names.firstIndex(of: name) else {
            throw PostgresError(.decoding, message: "no column named \(name)")
        }
        return index
    }
}
