import Foundation
@testable import Postgres
import Testing

/// Programs that `PrivateCluster` runs (initdb, pg_ctl and, through it, the PostgreSQL server)
/// inherit no descriptor of ours: a server must not hold the service's sockets open.
@Suite struct ChildProcessTests {
    @Test func aChildSeesOnlyItsStandardDescriptors() throws {
        let sockets = (0..<4).map { _ in socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) }
        defer { sockets.forEach { close($0) } }
        #expect(sockets.allSatisfy { $0 > 2 })
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("juice-fds-\(UInt32.random(in: 0...UInt32.max))").path
        defer { unlink(output) }
        #expect(try ChildProcess.run(["/bin/ls", "/proc/self/fd"], outputPath: output) == 0)
        let listed = Set(try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init))
        // 0, 1 and 2, and 3: the directory ls itself opened to list them.
        #expect(listed.isSubset(of: ["0", "1", "2", "3"]), "the child inherited \(listed.sorted())")
    }
}
