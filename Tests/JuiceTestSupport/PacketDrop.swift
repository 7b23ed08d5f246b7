import Foundation

/// Drops every TCP packet this machine sends to a local port (nftables, in the output hook of
/// the machine's own network namespace): the peer on that port hears nothing more, as when its
/// network vanishes without a FIN or a reset. One nftables table per use, deleted afterwards.
/// Needs root and `nft` (`Ops/lib.sh` installs nftables).
public enum PacketDrop {
    static let nft = URL(fileURLWithPath: "/usr/sbin/nft")

    /// Runs `body` while packets to `port` are dropped.
    public static func whileDropping<T>(toPort port: Int, _ body: () async throws -> T) async throws -> T {
        let table = "juice_drop_\(getpid() % 100_000)_\(port)"
        let rules = """
            table inet \(table) {
                chain out { type filter hook output priority 0; tcp dport \(port) drop; }
            }
            """
        let added = try await ManagedProcess.run(nft, ["-f", "-"], stdin: rules, timeout: .seconds(10))
        guard added.status == 0 else { throw PacketDropError("nft could not add \(table): \(added.error)") }
        do {
            let result = try await body()
            try await delete(table)
            return result
        } catch {
            try? await delete(table)
            throw error
        }
    }

    private static func delete(_ table: String) async throws {
        let deleted = try await ManagedProcess.run(nft, ["delete", "table", "inet", table], timeout: .seconds(10))
        guard deleted.status == 0 else { throw PacketDropError("nft could not delete \(table): \(deleted.error)") }
    }
}

/// nftables refused a rule.
public struct PacketDropError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
