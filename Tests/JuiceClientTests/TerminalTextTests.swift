import Foundation
@testable import JuiceClient
import JuiceCore
import JuicePeer
import Testing

/// What others send reaches a text-mode terminal visibly, never as control sequences.
@Suite struct TerminalTextTests {
    let bob = try! Username("bob")

    /// True if `line` holds anything a terminal would act on rather than show.
    func hasControls(_ line: String) -> Bool {
        line.unicodeScalars.contains { $0.properties.generalCategory == .control || (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value) }
    }

    @Test func aBuddysMessageCannotRetitleClearOrForgeLines() throws {
        let hostile = "\u{1b}]0;pwned\u{07}\u{1b}[2J\u{1b}[H\ncarol: hi\r\n<carol> hi\rdave: hi\u{9b}31m\u{202e}olleh\u{2028}x"
        let text = SessionEvent.peer(.message(from: bob, id: .random(), text: hostile)).text(.session)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        try #require(lines.count == 3, "one line per line break in the message: \(lines)")
        #expect(lines[0] == "<bob> ^[]0;pwned^G^[[2J^[[H")
        #expect(lines[1] == "    carol: hi")
        #expect(lines[2] == "    <carol> hi^Mdave: hi<U+009B>31m<U+202E>olleh<U+2028>x")
        for line in lines {
            #expect(!hasControls(line), "\(line)")
            #expect(line.hasPrefix("<bob>") || line.hasPrefix(TerminalText.continuation))
        }
    }

    @Test func invisibleFormatMarksAreShown() {
        // Bidi marks, zero-width characters, the BOM and tag characters act without showing.
        for mark in ["\u{200E}", "\u{200F}", "\u{061C}", "\u{200B}", "\u{2060}", "\u{FEFF}", "\u{E0041}"] {
            let shown = TerminalText.visible("a\(mark)b")
            #expect(shown.unicodeScalars.allSatisfy { $0.properties.generalCategory != .format }, "\(shown)")
            #expect(shown.hasPrefix("a<U+") && shown.hasSuffix(">b"), "\(shown)")
        }
        #expect(TerminalText.visible("👨‍👩‍👧 fresh") == "👨‍👩‍👧 fresh") // zero-width joiners stay
    }

    @Test func plainTextIsUnchanged() {
        #expect(TerminalText.visible("hello bob 🍊 — ça va? שלום") == "hello bob 🍊 — ça va? שלום")
        #expect(SessionEvent.peer(.message(from: bob, id: .random(), text: "hi")).text(.session) == "<bob> hi")
    }

    @Test func statusTextAndServerStringsAreEscapedToo() {
        let presence = PeerPresence(capabilities: .none, status: .away, statusText: "\u{1b}[2Jlunch")
        #expect(!hasControls(SessionEvent.peer(.presence(bob, presence)).text(.session)))
        #expect(!hasControls(SessionEvent.error("server says \u{1b}]0;x\u{07}").text(.session)))
        #expect(!hasControls(SessionEvent.ready(username: "a\u{1b}[2J", peerID: 1, endpoint: "1.2.3.4:5\u{7}", leaseSeconds: 1).text(.session)))
        #expect(ServiceError(status: 400, message: "bad\u{1b}[2J\nthing").description == "bad^[[2J\n    thing")
    }
}
