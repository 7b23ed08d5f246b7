import CLibPQ
import Glibc

/// One libpq connection. Every call blocks, so ``PostgresPool`` only uses it on its own threads.
///
/// Not thread-safe: a connection is owned by one pool thread at a time, which is why it is
/// `@unchecked Sendable` (it is handed between pool threads, never shared).
public final class PostgresConnection: @unchecked Sendable {
    /// The libpq connection; ``PostgresListener`` waits on its socket.
    let handle: OpaquePointer
    private var preparedNames: Set<String> = []

    /// Connects with `PQconnectdbParams`.
    public init(_ configuration: ConnectionConfiguration) throws(PostgresError) {
        let keywords = configuration.parameters.map { strdup($0.keyword) } + [nil]
        let values = configuration.parameters.map { strdup($0.value) } + [nil]
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let connection = keywords.map { $0.map { UnsafePointer<CChar>($0) } }.withUnsafeBufferPointer { k in
            values.map { $0.map { UnsafePointer<CChar>($0) } }.withUnsafeBufferPointer { v in
                PQconnectdbParams(k.baseAddress, v.baseAddress, 1)
            }
        }
        guard let connection else { throw PostgresError(.connection, message: "out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError(.connection, message: message)
        }
        // Notices ("relation already exists, skipping") are not errors; libpq would print them
        // to stderr, into the middle of a CLI's or a server's output.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        handle = connection
        try configureSession()
    }

    deinit { PQfinish(handle) }

    /// False once libpq has noticed that the server went away.
    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Reconnects with the same parameters (`PQreset`), for example after a server restart.
    public func reset() throws(PostgresError) {
        PQreset(handle)
        preparedNames.removeAll()
        guard isHealthy else { throw PostgresError(.connection, message: String(cString: PQerrorMessage(handle))) }
        try configureSession()
    }

    /// Runs one parameterised statement (`PQexecParams`).
    @discardableResult
    public func query(_ sql: String, _ binds: [any PostgresBindable] = []) throws(PostgresError) -> PostgresResult {
        try withParameters(binds) { count, values, lengths, formats in
            PQexecParams(handle, sql, count, nil, values, lengths, formats, 0)
        }
    }

    /// Runs a prepared statement, preparing it on this connection first if needed.
    @discardableResult
    public func execute(_ statement: PreparedStatement, _ binds: [any PostgresBindable] = []) throws(PostgresError) -> PostgresResult {
        if !preparedNames.contains(statement.name) {
            _ = try PostgresResult(PQprepare(handle, statement.name, statement.sql, 0, nil), connection: handle)
            preparedNames.insert(statement.name)
        }
        return try withParameters(binds) { count, values, lengths, formats in
            PQexecPrepared(handle, statement.name, count, values, lengths, formats, 0)
        }
    }

    /// Runs SQL that may hold several statements and no parameters (`PQexec`), such as a migration file.
    public func executeScript(_ sql: String) throws(PostgresError) {
        _ = try PostgresResult(PQexec(handle, sql), connection: handle)
    }

    /// `name` quoted as an SQL identifier by libpq (`PQescapeIdentifier`), for statements such as
    /// LISTEN that take no parameters.
    public func quotedIdentifier(_ name: String) throws(PostgresError) -> String {
        guard let quoted = PQescapeIdentifier(handle, name, name.utf8.count) else {
            throw PostgresError(.query, message: String(cString: PQerrorMessage(handle)))
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    /// Runs `body` inside BEGIN/COMMIT, rolling back if it throws.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try executeScript("BEGIN")
        do {
            let value = try body(self)
            try executeScript("COMMIT")
            return value
        } catch {
            if isHealthy { try? executeScript("ROLLBACK") }
            throw error
        }
    }

    private func configureSession() throws(PostgresError) {
        try executeScript("SET TimeZone = 'UTC'")
    }

    private func withParameters(
        _ binds: [any PostgresBindable],
        _ run: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> OpaquePointer?
    ) throws(PostgresError) -> PostgresResult {
        var buffers: [UnsafeMutableRawBufferPointer?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        for bind in binds {
            switch bind.postgresBind {
            case .null:
                buffers.append(nil); lengths.append(0); formats.append(0)
            case .text(let text):
                let utf8 = Array(text.utf8CString)
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: utf8.count, alignment: 1)
                buffer.copyBytes(from: utf8.map { UInt8(bitPattern: $0) })
                buffers.append(buffer); lengths.append(Int32(utf8.count - 1)); formats.append(0)
            case .bytes(let bytes):
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
                buffer.copyBytes(from: bytes)
                buffers.append(buffer); lengths.append(Int32(bytes.count)); formats.append(1)
            }
        }
        defer { buffers.forEach { $0?.deallocate() } }
        let pointers = buffers.map { $0.map { UnsafePointer($0.baseAddress!.assumingMemoryBound(to: CChar.self)) } }
        let result = pointers.withUnsafeBufferPointer { p in
            lengths.withUnsafeBufferPointer { l in
                formats.withUnsafeBufferPointer { f in
                    run(Int32(binds.count), p.baseAddress, l.baseAddress, f.baseAddress)
                }
            }
        }
        return try PostgresResult(result, connection: handle)
    }
}
