import Foundation
import JuiceTestSupport
import Testing

/// How `juice login` ends: by a signal, cleanly; by a session it cannot get back, with an error.
@Suite(.serialized) struct SessionLifecycleEndToEndTests {
    /// A password change from another client ends alice's session: her next renewal gets 401,
    /// and logging in again with the old password fails. That is an `error` event naming the
    /// failed login, then `logged-out`, and a non-zero exit, not a silent exit 0.
    @Test func aFailedLoginAgainIsAnErrorAndANonZeroExit() async throws {
        try await JuiceProcesses.with(leaseSeconds: 2) { juice in
            try await juice.setUp(users: ["alice"], buddies: [])
            let alice = try juice.login("alice", password: testPassword)
            try #require(await alice.waitForEvent("ready") != nil, "alice: \(alice.errorOutput)")

            let passwd = try await juice.juice(["passwd", "alice", "--password-stdin"], stdin: "\(testPassword)\nPressed-Again-2027!\n")
            try #require(passwd.status == 0, "passwd: \(passwd.error)")

            let failed = await alice.waitForEvent("error", timeout: .seconds(15)) { ($0["message"] as? String)?.contains("logging in again failed") == true }
            #expect(failed != nil, "alice: \(alice.output)")
            let status = await alice.waitForExit(timeout: .seconds(15))
            #expect(status != nil && status != 0, "exit status \(String(describing: status)); alice: \(alice.output) \(alice.errorOutput)")
            #expect(alice.output.contains { event($0)["event"] as? String == "logged-out" }, "alice: \(alice.output)")
            #expect(alice.errorOutput.contains("juice: error: logging in again failed"), "stderr: \(alice.errorOutput)")
        }
    }

    /// A session the server no longer knows (an admin revoked it) gets 401 on renewal and logs
    /// in again: a new `ready` with a new peer ID, and the session goes on.
    @Test func aReplacedSessionLogsInAgainAndGoesOn() async throws {
        try await JuiceProcesses.with(leaseSeconds: 2) { juice in
            try await juice.setUp(users: ["alice"], buddies: [])
            let alice = try juice.login("alice", password: testPassword)
            let first = try #require(await alice.waitForEvent("ready"), "alice: \(alice.errorOutput)")

            _ = try await juice.psql("delete from sessions where online and account_id = (select id from accounts where username = 'alice')")

            let again = await alice.waitForEvent("ready", timeout: .seconds(15)) { $0["peerId"] as? Int64 != first["peerId"] as? Int64 }
            #expect(again != nil, "alice: \(alice.output)")
            #expect(!alice.output.contains { ($0.contains("failed")) }, "alice: \(alice.output)")
            alice.closeInput()
            #expect(await alice.waitForExit() == 0, "alice: \(alice.output) \(alice.errorOutput)")
        }
    }

    /// Ctrl-C (SIGINT) and SIGTERM end a session as EOF does: goodbye to every buddy, one logout
    /// call, `logged-out`, exit 0.
    @Test(arguments: [SIGINT, SIGTERM]) func aSignalLogsOutCleanly(_ signal: Int32) async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("bob", "alice")])
            let alice = try juice.login("alice", password: testPassword, ["--keepalive", "1"])
            try #require(await alice.waitForEvent("ready") != nil, "alice: \(alice.errorOutput)")
            let bob = try juice.login("bob", password: testPassword, ["--keepalive", "1"])
            try #require(await bob.waitForEvent("online") { $0["username"] as? String == "alice" } != nil, "bob: \(bob.output)")
            // An answered command: the session's services, signal handling included, are running.
            alice.send("/help")
            try #require(await alice.waitForEvent("info") != nil, "alice: \(alice.output)")

            kill(alice.pid, signal)
            #expect(await alice.waitForExit() == 0, "alice: \(alice.output) \(alice.errorOutput)")
            #expect(alice.output.contains { event($0)["event"] as? String == "logged-out" }, "alice: \(alice.output)")
            #expect(await bob.waitForEvent("offline") { $0["username"] as? String == "alice" && $0["reason"] as? String == "goodbye" } != nil, "bob: \(bob.output)")
            #expect(try await juice.psql("select peer_id from presence where username = 'alice'") == ["0"])
            bob.closeInput()
            #expect(await bob.waitForExit() == 0)
        }
    }
}
