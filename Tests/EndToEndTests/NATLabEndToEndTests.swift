import Foundation
import JuiceTestSupport
import Testing

/// Buddies across NATs in the lab (docs/reachability.md 8), with real processes: juiced on the
/// lab's internet, clients in homes behind NATs that drop unsolicited packets as home routers do.
@Suite(.serialized, .enabled(if: NATLab.available, "the NAT lab needs root"))
struct NATLabEndToEndTests {
    /// alice and dave share a LAN behind NAT A: their session runs straight between their LAN
    /// addresses (`direct`), and a message goes through both ways.
    @Test func neighboursOnOneLANChatDirectly() async throws {
        try await NATLab.with { lab in
            try await lab.register("alice", from: "home1")
            try await lab.register("dave", from: "neighbour1")
            try await lab.makeBuddies(("alice", "home1"), ("dave", "neighbour1"))
            let alice = try lab.login("alice", in: "home1")
            try #require(await alice.waitForEvent("ready") != nil, "alice: \(alice.errorOutput)")
            let dave = try lab.login("dave", in: "neighbour1")
            let online = try #require(await dave.waitForEvent("online", timeout: .seconds(20)) { $0["username"] as? String == "alice" }, "dave: \(dave.output) \(dave.errorOutput)")
            #expect(online["path"] as? String == "direct")
            let seen = try #require(await alice.waitForEvent("online", timeout: .seconds(20)) { $0["username"] as? String == "dave" }, "alice: \(alice.output)")
            #expect(seen["path"] as? String == "direct")
            alice.send("/buddies")
            let listed = await alice.waitForEvent("buddy") { $0["username"] as? String == "dave" && $0["path"] is String }
            #expect(listed?["path"] as? String == "direct", "/buddies shows the path: \(alice.output)")
            dave.send("/msg alice over the LAN")
            #expect(await alice.waitForEvent("message") { $0["text"] as? String == "over the LAN" } != nil, "alice: \(alice.output)")
            alice.send("/msg dave back")
            #expect(await dave.waitForEvent("message") { $0["text"] as? String == "back" } != nil, "dave: \(dave.output)")
            for client in [alice, dave] {
                client.closeInput()
                #expect(await client.waitForExit() == 0, "\(client.errorOutput)")
            }
        }
    }
}
