import Foundation
import JuiceTestSupport
import Testing

/// `juice verify` and `/verify` are one path: the same buddies are trusted, and the same are refused.
@Suite(.serialized) struct VerifyPathEndToEndTests {
    /// A key the server states for two accounts gives no safety number, in a shell or in a session,
    /// and the same warning in both (before, `juice verify` pinned it and printed a number).
    @Test func aSharedKeyIsRefusedByJuiceVerifyAsBySlashVerify() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob", "carol"], buddies: [("alice", "bob"), ("alice", "carol")])
            _ = try await juice.psql("""
                ALTER TABLE accounts DROP CONSTRAINT accounts_public_key_key;
                UPDATE accounts SET public_key = (SELECT public_key FROM accounts WHERE username = 'bob') WHERE username = 'carol'
                """)
            let shell = try await juice.juice(["verify", "carol", "--user", "alice", "--password-stdin", "--json"], stdin: "\(testPassword)\n")
            #expect(shell.status == 1, "juice verify: \(shell.output)")
            #expect(!shell.output.contains("safety-number"), "\(shell.output)")
            let refusal = try #require(shell.error.split(separator: "\n").first.map { $0.replacingOccurrences(of: "juice: error: ", with: "") })
            #expect(refusal.contains("same public key"), "\(shell.error)")

            let alice = try juice.login("alice", password: testPassword)
            try #require(await alice.waitForEvent("ready") != nil, "alice: \(alice.errorOutput)")
            alice.send("/verify carol")
            #expect(await alice.waitForEvent("error") { $0["message"] as? String == refusal } != nil, "alice: \(alice.output); shell: \(refusal)")
            #expect(!alice.output.contains { event($0)["event"] as? String == "safety-number" }, "alice: \(alice.output)")
            alice.closeInput()
            #expect(await alice.waitForExit() == 0)
        }
    }
}
