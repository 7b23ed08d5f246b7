import Foundation
import Postgres

#if canImport(Glibc)
import Glibc
#endif

/// CPU time of the PostgreSQL server a benchmark runs against: its postmaster and every process
/// the postmaster started (backends, WAL writer, checkpointer, autovacuum), from /proc/PID/stat.
/// Backends that exit between two readings take their time with them; the benchmarks' pools keep
/// theirs open, so the difference between two readings is the server's cost in between.
struct ClusterCPU {
    let postmaster: Int32

    /// The server `configuration` reaches (the parent of a backend opened for the purpose).
    init(_ configuration: ConnectionConfiguration) throws {
        let db = try PostgresConnection(configuration)
        let backend = try Int32(db.query("SELECT pg_backend_pid()::bigint AS pid").first!.decode("pid", as: Int64.self))
        guard let parent = Self.parent(of: backend) else { throw BenchError("no parent process for backend \(backend)") }
        postmaster = parent
    }

    /// User + system seconds of the postmaster and its children so far.
    func seconds() -> Double {
        let children = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [])
            .compactMap(Int32.init)
            .filter { Self.parent(of: $0) == postmaster }
        return ([postmaster] + children).map { BenchLab.cpuSeconds(pid: $0) }.filter { !$0.isNaN }.reduce(0, +)
    }

    /// The parent process ID of `pid` (field 4 of /proc/PID/stat).
    private static func parent(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }
}
