import CLibPQ

/// The rows of a finished statement, copied out of the `PGresult`, which is freed at once.
public struct PostgresResult: Sendable {
    /// The rows in order.
    public let rows: [PostgresRow]
    /// Rows changed by an INSERT, UPDATE or DELETE (`PQcmdTuples`).
    public let affectedRows: Int

    /// Takes ownership of a `PGresult`; throws the server's error if the statement failed.
    init(_ result: OpaquePointer?, connection: OpaquePointer) throws(PostgresError) {
        guard let result else {
            let kind: PostgresError.Kind = PQstatus(connection) == CONNECTION_OK ? .query : .connection
            throw PostgresError(kind, message: String(cString: PQerrorMessage(connection)))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            break
        default:
            let field = { (code: Character) in PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) } }
            let kind: PostgresError.Kind = PQstatus(connection) == CONNECTION_OK ? .query : .connection
            throw PostgresError(kind, sqlState: field("C"), constraint: field("n"), message: String(cString: PQresultErrorMessage(result)))
        }
        let fieldCount = PQnfields(result)
        let columns = PostgresColumns(names: (0..<fieldCount).map { String(cString: PQfname(result, $0)) })
        rows = (0..<PQntuples(result)).map { row in
            PostgresRow(columns: columns, values: (0..<fieldCount).map { field in
                PQgetisnull(result, row, field) == 1 ? nil : String(cString: PQgetvalue(result, row, field))
            })
        }
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// The only row, or nil when there is none.
    public var first: PostgresRow? { rows.first }
}
