import Testing
@testable import JuiceRelay

/// Hex with spaces and newlines ignored.
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

/// RFC 5769 test vectors (Copyright (c) 2010 IETF Trust and the persons identified as the document authors).
enum RFC5769 {
    static let shortTermPassword = Array("VOkJxbRl1RmTxUk/WvJxBt".utf8)
    static let transactionID = hex("b7e7a701bc34d686fa87dfae")

    /// §2.1 Sample Request (short-term credential).
    static let request = hex("""
        00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
        00 24 00 04 6e 00 01 ff 80 29 00 08 93 2f f9 b1 51 26 3b 36
        00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
        00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
        80 28 00 04 e5 7a 3b cf
        """)

    /// §2.2 Sample IPv4 Response: 192.0.2.1:32853.
    static let ipv4Response = hex("""
        01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 08 00 01 a1 47 e1 12 a6 43
        00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
        80 28 00 04 c0 7d 4c 96
        """)

    /// §2.3 Sample IPv6 Response: [2001:db8:1234:5678:11:2233:4455:6677]:32853.
    static let ipv6Response = hex("""
        01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
        00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
        80 28 00 04 c8 fb 0b 4c
        """)

    /// §2.4 Sample Request with Long-Term Authentication (username "マトリックス",
    /// password "TheMatrIX" after SASLprep, realm "example.org").
    static let longTermRequest = hex("""
        00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
        00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
        00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
        00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
        00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66
        """)
}

@Suite struct StunCodecTests {
    @Test func rfc5769SampleRequestDecodesAndVerifies() throws {
        let message = try StunMessage(decoding: RFC5769.request)
        #expect(message.method == .binding)
        #expect(message.messageClass == .request)
        #expect(message.transactionID == RFC5769.transactionID)
        #expect(message.attribute(.software)?.text == "STUN test client")
        #expect(message.attribute(.username)?.text == "evtj:h6vY")
        #expect(try StunMessage.verifyIntegrity(of: RFC5769.request, key: RFC5769.shortTermPassword) == true)
        #expect(try StunMessage.verifyIntegrity(of: RFC5769.request, key: Array("wrong".utf8)) == false)
        #expect(try StunMessage.verifyFingerprint(of: RFC5769.request) == true)
    }

    @Test func rfc5769IPv4ResponseGivesTheMappedAddress() throws {
        let message = try StunMessage(decoding: RFC5769.ipv4Response)
        #expect(message.messageClass == .successResponse)
        let mapped = try StunBinding.mappedAddress(in: message)
        #expect(mapped == StunAddress(host: "192.0.2.1", port: 32853))
        #expect(mapped.description == "192.0.2.1:32853")
        #expect(try StunMessage.verifyIntegrity(of: RFC5769.ipv4Response, key: RFC5769.shortTermPassword) == true)
        #expect(try StunMessage.verifyFingerprint(of: RFC5769.ipv4Response) == true)
        // Encoding the address again gives the vector's bytes.
        let again = StunAttribute.xorAddress(.xorMappedAddress, mapped, transactionID: RFC5769.transactionID)
        #expect(again == message.attribute(.xorMappedAddress))
    }

    @Test func rfc5769IPv6ResponseGivesTheMappedAddress() throws {
        let message = try StunMessage(decoding: RFC5769.ipv6Response)
        let mapped = try StunBinding.mappedAddress(in: message)
        #expect(mapped == StunAddress(host: "2001:db8:1234:5678:11:2233:4455:6677", port: 32853))
        #expect(mapped.description == "[2001:db8:1234:5678:11:2233:4455:6677]:32853")
        #expect(try StunMessage.verifyIntegrity(of: RFC5769.ipv6Response, key: RFC5769.shortTermPassword) == true)
        #expect(try StunMessage.verifyFingerprint(of: RFC5769.ipv6Response) == true)
    }

    @Test func rfc5769LongTermRequestVerifiesAndReencodes() throws {
        let message = try StunMessage(decoding: RFC5769.longTermRequest)
        #expect(message.attribute(.username)?.text == "マトリックス")
        #expect(message.attribute(.realm)?.text == "example.org")
        #expect(message.attribute(.nonce)?.text == "f//499k954d6OL34oL9FSTvy64sA")
        let key = TurnCredentials.longTermKey(username: "マトリックス", realm: "example.org", password: "TheMatrIX")
        #expect(key == hex("e8ca7ad59d5eb0518e312911d2dab2a9"))
        #expect(try StunMessage.verifyIntegrity(of: RFC5769.longTermRequest, key: key) == true)
        #expect(try StunMessage.verifyFingerprint(of: RFC5769.longTermRequest) == nil)
        // Without MESSAGE-INTEGRITY in the attributes, encoding with the key gives the same bytes.
        var unsigned = message
        unsigned.attributes.removeAll { $0.type == .messageIntegrity }
        #expect(unsigned.encoded(integrityKey: key) == RFC5769.longTermRequest)
    }

    @Test func messageTypeBitsInterleaveMethodAndClass() {
        #expect(StunMessage(method: .allocate, class: .request).messageType == 0x0003)
        #expect(StunMessage(method: .allocate, class: .successResponse).messageType == 0x0103)
        #expect(StunMessage(method: .allocate, class: .errorResponse).messageType == 0x0113)
        #expect(StunMessage(method: .connectionAttempt, class: .indication).messageType == 0x001C)
        #expect(StunMessage(method: .connectionBind, class: .successResponse).messageType == 0x010B)
        #expect(StunMessage(method: .init(rawValue: 0xFFF), class: .errorResponse).messageType == 0x3FFF)
    }

    @Test func roundTripWithIntegrityAndFingerprint() throws {
        let id = StunMessage.randomTransactionID()
        let peer = StunAddress(host: "2001:db8::7", port: 50007)!
        let original = StunMessage(method: .connect, class: .request, transactionID: id, attributes: [
            .xorAddress(.xorPeerAddress, peer, transactionID: id),
            .connectionID(0xDEAD_BEEF),
            .text(.username, "1700000000:abc"),  // 14 bytes: padded
            .lifetime(600),
            .errorCode(438, reason: "Stale Nonce"),
        ])
        let key = Array("k".utf8)
        let bytes = original.encoded(integrityKey: key, fingerprint: true)
        #expect(bytes.count % 4 == 0)
        let decoded = try StunMessage(decoding: bytes)
        #expect(decoded.method == .connect)
        #expect(decoded.transactionID == id)
        #expect(Array(decoded.attributes.prefix(5)) == original.attributes)
        #expect(decoded.attributes.map(\.type).suffix(2) == [.messageIntegrity, .fingerprint])
        #expect(try decoded.attribute(.xorPeerAddress)?.xorAddress(transactionID: id) == peer)
        #expect(try decoded.attribute(.connectionID)?.connectionID() == 0xDEAD_BEEF)
        #expect(try decoded.attribute(.lifetime)?.uint32() == 600)
        #expect(try decoded.attribute(.errorCode)?.errorCode().code == 438)
        #expect(try StunMessage.verifyIntegrity(of: bytes, key: key) == true)
        #expect(try StunMessage.verifyFingerprint(of: bytes) == true)
        var flipped = bytes
        flipped[30] ^= 1
        #expect(try StunMessage.verifyIntegrity(of: flipped, key: key) == false)
        #expect(try StunMessage.verifyFingerprint(of: flipped) == false)
        // Plain encoding round-trips exactly.
        let plain = StunMessage(method: .binding, class: .request, transactionID: id, attributes: [.text(.software, "juice")])
        #expect(try StunMessage(decoding: plain.encoded()) == plain)
    }

    @Test func truncatedAndGarbageInputThrows() throws {
        let good = RFC5769.ipv4Response
        for length in [0, 1, 19, 20, 21, 40, good.count - 1] {
            #expect(throws: StunError.self) { try StunMessage(decoding: Array(good.prefix(length))) }
        }
        #expect(throws: StunError.self) { try StunMessage(decoding: good + [0, 0, 0, 0]) }
        var noCookie = good
        noCookie[4] ^= 0xFF
        #expect(throws: StunError.malformed("no magic cookie")) { try StunMessage(decoding: noCookie) }
        var oddLength = good
        oddLength[3] = 0x3D
        #expect(throws: StunError.self) { try StunMessage(decoding: oddLength) }
        var topBits = good
        topBits[0] |= 0x80
        #expect(throws: StunError.self) { try StunMessage(decoding: topBits) }
        var overrun = good
        overrun[22] = 0x40 // SOFTWARE claims 0x400b bytes
        #expect(throws: StunError.self) { try StunMessage(decoding: overrun) }
        // An oversized frame is refused from its header alone.
        let huge: [UInt8] = [0x01, 0x01, 0xFF, 0xFC, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 0, count: 12)
        #expect(throws: StunError.tooLarge(20 + 0xFFFC)) { try StunMessage.frameLength(of: huge, limit: 4096) }
        #expect(try StunMessage.frameLength(of: huge.prefix(19)) == nil)
        // Random bytes never crash the decoder or the attribute readers.
        var generator = SystemRandomNumberGenerator()
        for round in 0..<2000 {
            var bytes = (0..<Int.random(in: 0..<120, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if round % 2 == 0, bytes.count >= 20 {
                bytes.replaceSubrange(0..<8, with: [0x01, 0x01, 0x00, UInt8((bytes.count - 20) & ~3), 0x21, 0x12, 0xA4, 0x42])
                bytes = Array(bytes.prefix(20 + Int(bytes[3])))
            }
            if let message = try? StunMessage(decoding: bytes) {
                for attribute in message.attributes {
                    _ = try? attribute.xorAddress(transactionID: message.transactionID)
                    _ = try? attribute.errorCode()
                    _ = try? attribute.plainAddress()
                }
                _ = try? StunMessage.verifyIntegrity(of: bytes, key: [1])
                _ = try? StunMessage.verifyFingerprint(of: bytes)
            }
        }
    }

    @Test func malformedAttributeValuesThrow() {
        let id = RFC5769.transactionID
        #expect(throws: StunError.self) { try StunAttribute(type: .xorMappedAddress, value: [0, 3, 0, 0, 1, 2, 3, 4]).xorAddress(transactionID: id) }
        #expect(throws: StunError.self) { try StunAttribute(type: .xorMappedAddress, value: [0, 1, 0, 0, 1, 2, 3]).xorAddress(transactionID: id) }
        #expect(throws: StunError.self) { try StunAttribute(type: .errorCode, value: [0, 0, 4]).errorCode() }
        #expect(throws: StunError.self) { try StunAttribute(type: .lifetime, value: [0, 0, 4]).uint32() }
        let error = StunMessage(method: .allocate, class: .errorResponse, attributes: [.errorCode(401, reason: "Unauthorized")])
        #expect(throws: StunError.errorResponse(code: 401, reason: "Unauthorized")) { try error.requireSuccess() }
    }
}

@Suite struct TurnCredentialsTests {
    /// The TURN REST API formula (coturn `use-auth-secret`), checked against Python's hmac:
    /// base64(hmac.new(b"north-secret", b"1700000000:juice-relay-user", sha1).digest()).
    @Test func restCredentialFollowsCoturnFormula() {
        let credentials = TurnCredentials(sharedSecret: "north-secret", user: "juice-relay-user", expiry: 1_700_000_000)
        #expect(credentials.username == "1700000000:juice-relay-user")
        #expect(credentials.password == "FYjbVqlwD16Y9ydu3/dnHG90w4o=")
        #expect(credentials.key(realm: "juice.test") == hex("db7104116ced1a98ea6f3a72df75a02d"))
        #expect(TurnCredentials(sharedSecret: "other", user: "juice-relay-user", expiry: 1_700_000_000).password != credentials.password)
    }
}
