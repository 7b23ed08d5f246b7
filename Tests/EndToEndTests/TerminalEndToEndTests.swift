import Foundation
import JuiceTestSupport
import Testing

/// What a buddy sends reaches a person's terminal (`juice login` without `--json`) visibly:
/// no escape sequence runs, no line passes for another event.
@Suite(.serialized) struct TerminalEndToEndTests {
    @Test func aBuddysEscapeSequencesAndForgedLinesShowAsText() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            try await HostileBuddy.with("bob", password: testPassword, server: juice.url) { bob in
                let alice = try juice.login("alice", password: testPassword, ["--keepalive", "1"], json: false)
                try #require(await alice.waitForLine { $0.hasPrefix("* bob is online") } != nil, "alice: \(alice.output) \(alice.errorOutput)")
                try #require(await bob.waitUntilOnline("alice"))

                let hostile = "\u{1b}]0;pwned\u{07}\u{1b}[2J\u{1b}[H\ncarol: hi\n<carol> hi\r\ndave: hi\rerin: hi\u{9b}31m"
                _ = try await bob.network.send(text: hostile, to: try .init("alice"))
                _ = try await bob.network.send(text: "the end", to: try .init("alice"))
                try #require(await alice.waitForLine { $0 == "<bob> the end" } != nil, "alice: \(alice.output)")

                let shown = alice.output
                #expect(shown.contains("<bob> ^[]0;pwned^G^[[2J^[[H"), "\(shown)")
                for line in shown {
                    #expect(!line.unicodeScalars.contains { $0.properties.generalCategory == .control }, "a control character reached the terminal: \(line.debugDescription)")
                    for forged in ["carol:", "<carol>", "dave:", "erin:"] {
                        #expect(!line.hasPrefix(forged), "a forged line: \(line.debugDescription)")
                    }
                }
                // Her own status text with control characters is refused in the session, as HTTP refuses it.
                alice.send("/status away \u{1b}]0;pwned\u{07}")
                #expect(await alice.waitForLine { $0.hasPrefix("! ") && $0.contains("control characters") } != nil, "alice: \(alice.output)")
                alice.closeInput()
                #expect(await alice.waitForExit() == 0)
            }
        }
    }
}
