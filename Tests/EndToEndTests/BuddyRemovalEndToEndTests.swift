import Foundation
import JuiceTestSupport
import Testing

/// `/remove` during a live session (docs/protocol.md 4.5): the remover ends the session at once
/// with a goodbye, and the removed buddy sees them go offline and does not redial.
@Suite(.serialized) struct BuddyRemovalEndToEndTests {
    @Test func removingABuddyEndsTheirLiveSessionAtOnce() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            let bob = try juice.login("bob", password: testPassword, ["--keepalive", "1"])
            try #require(await bob.waitForEvent("ready") != nil, "bob: \(bob.errorOutput)")
            let alice = try juice.login("alice", password: testPassword, ["--keepalive", "1"])
            try #require(await alice.waitForEvent("online") { $0["username"] as? String == "bob" } != nil, "alice: \(alice.output)")
            try #require(await bob.waitForEvent("online") { $0["username"] as? String == "alice" } != nil, "bob: \(bob.output)")

            alice.send("/remove bob")
            #expect(await alice.waitForEvent("offline", timeout: .seconds(5)) { $0["username"] as? String == "bob" && $0["reason"] as? String == "removed" } != nil, "alice: \(alice.output)")
            #expect(await bob.waitForEvent("offline", timeout: .seconds(5)) { $0["username"] as? String == "alice" && $0["reason"] as? String == "goodbye" } != nil, "bob: \(bob.output)")
            bob.send("/msg alice still there?")
            #expect(await bob.waitForEvent("error") { ($0["message"] as? String)?.contains("alice is not an accepted buddy") == true } != nil, "bob: \(bob.output)")
            try await Task.sleep(for: .seconds(2)) // a redial would come within 0.5 s
            #expect(bob.output.filter { event($0)["event"] as? String == "online" }.count == 1, "bob: \(bob.output)")

            for process in [alice, bob] { process.closeInput() }
            for process in [alice, bob] { #expect(await process.waitForExit() == 0) }
        }
    }
}
