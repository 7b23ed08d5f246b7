import JuiceCore
import Testing

@Suite struct UsernameTests {
    @Test func normalisesCase() throws {
        #expect(try Username("Alice").value == "alice")
        #expect(try Username("ALICE") == (try Username("alice")))
        #expect(try Username("a.b_c-9").value == "a.b_c-9")
    }

    @Test func rejectsBadNames() {
        #expect(throws: UsernameError.empty) { try Username("") }
        #expect(throws: UsernameError.tooShort) { try Username("ab") }
        #expect(throws: UsernameError.tooLong) { try Username(String(repeating: "a", count: 200)) }
        #expect(throws: UsernameError.invalidCharacters) { try Username("ali\u{0}ce") }
        #expect(throws: UsernameError.invalidCharacters) { try Username("ali\nce") }
        #expect(throws: UsernameError.invalidCharacters) { try Username("alïce") }
        #expect(throws: UsernameError.invalidCharacters) { try Username("al ice") }
        #expect(throws: UsernameError.badFirstCharacter) { try Username(".alice") }
    }
}

@Suite struct EndpointTests {
    @Test func parses() throws {
        #expect(try Endpoint("127.0.0.1:7480").port == 7480)
        #expect(try Endpoint("[::1]:9").host == "::1")
        #expect(try Endpoint("[::1]:9").description == "[::1]:9")
        #expect(try Endpoint("peer.example:1").host == "peer.example")
        #expect(try Endpoint("127.0.0.1:0", allowingPortZero: true).port == 0)
    }

    @Test(arguments: ["", "host", "host:0", "host:65536", "host:-1", ":80", "h st:80", "[zz]:80", "-x:80", String(repeating: "a", count: 400) + ":1"])
    func rejects(_ text: String) {
        #expect(throws: InvalidValue.self) { try Endpoint(text) }
    }
}

@Suite struct PeerIDTests {
    @Test func randomIDsAreNonZeroAndInRange() {
        for _ in 0..<1000 {
            let id = PeerID.random()
            #expect(id.isOnline)
            #expect(id.rawValue > 0 && id.rawValue < PeerID.limit)
        }
        #expect(PeerID(rawValue: -1) == nil)
        #expect(PeerID(rawValue: PeerID.limit) == nil)
        #expect(!PeerID.offline.isOnline)
    }
}

@Suite struct StatusTextTests {
    @Test func limitsLengthBytesAndControlCharacters() throws {
        #expect(try StatusText.validate("lunch 🥪") == "lunch 🥪")
        #expect(throws: InvalidValue.self) { try StatusText.validate(String(repeating: "a", count: 201)) }
        #expect(throws: InvalidValue.self) { try StatusText.validate(String(repeating: "🍊", count: 100)) } // 400 bytes
        #expect(throws: InvalidValue.self) { try StatusText.validate("a\u{7}b") }
    }
}
